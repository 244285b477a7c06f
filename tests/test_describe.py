"""Descriptive statistics: shares of an explicit base, statsmodels intervals, missing counts kept missing."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pandas as pd
import papermill
import pytest
from page_reading import all_tables, executed_outputs, export_column, joined, page_tables, page_text, processed_of
from statsmodels.stats.proportion import proportion_confint

from zqf_analysis.data.clean import clean_dataset
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.stats import describe

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"


@pytest.fixture(scope="module")
def real():
    data = load_dataset(ROOT / "data" / "raw" / "zaqa-2024")
    tables = clean_dataset(data)
    return data, tables, describe.closed_summary(tables["closed_counts"], data.questionnaire)


def _row(summary: pd.DataFrame, question_id: str, option: str) -> pd.Series:
    rows = summary[(summary["question_id"] == question_id) & (summary["option"] == option)]
    assert len(rows) == 1
    return rows.iloc[0]


# ------------------------------------------------------------------------------------ intervals


def test_20_of_23_is_87_percent_with_the_statsmodels_wilson_interval():
    low, high = describe.proportion_interval(20, 23)
    expected = proportion_confint(20, 23, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(expected, abs=1e-12)
    assert round(low, 3) == 0.679 and round(high, 3) == 0.955
    assert describe.percent_text(20, 23) == "87.0%"

def test_percentages_round_half_up_like_the_report():
    # 3 of 24 is exactly 12.5%: the report's pie prints 13%, binary round() would give 12.
    assert describe.percent_text(3, 24, 0) == "13%"
    assert describe.percent_text(14, 23, 0) == "61%"
    assert describe.percent_text(19, 24, 0) == "79%"
    assert describe.round_half_up(0.125, 2) == "0.13"


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, "ninety"])
def test_confidence_outside_0_1_is_a_clear_error(confidence):
    with pytest.raises(DataError, match="confidence"):
        describe.interval_settings(confidence, "wilson")


def test_unknown_interval_method_names_the_accepted_ones():
    with pytest.raises(DataError, match=r"ci_method='wald'.*wilson, beta, jeffreys"):
        describe.interval_settings(0.95, "wald")


def test_the_chosen_method_and_level_pass_through_to_statsmodels(real):
    data, tables, _ = real
    settings = describe.interval_settings("0.9", "beta")
    summary = describe.closed_summary(tables["closed_counts"], data.questionnaire, settings)
    row = _row(summary, "Q10", "Extremely important and urgent")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        proportion_confint(18, 23, alpha=0.1, method="beta")
    )


# --------------------------------------------------------------------------------- the real data


def test_shares_are_of_the_23_respondents(real):
    _, _, summary = real
    row = _row(
        summary, "Q11", "I agree but need more dialogue and understanding on the options to do it well"
    )
    assert (row["count"], row["base"]) == (14, 23)
    assert row["share"] == pytest.approx(14 / 23)  # 60.9%
    assert set(summary["base"]) == {23}
    assert list(summary.columns) == describe.SUMMARY_COLUMNS


def test_a_missing_count_has_no_share_and_no_interval(real):
    _, _, summary = real
    row = _row(summary, "Q6", "Public sector workers / employees")
    assert pd.isna(row["count"]) and row["status"] == "missing"
    assert math.isnan(row["share"]) and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    table = describe.question_table(summary, "Q6")
    shown = table[table["option"] == "Public sector workers / employees"].iloc[0]
    assert shown["count"] == "not legible in source" and shown["share"] == ""


def test_missing_counts_never_enter_a_total(real):
    data, _, summary = real
    check = describe.selections_check(summary, data.questionnaire["Q6"])
    # Q6 legible counts: 1 + 1 + 5 + 0 + 0 + 0 + 0 + 0 + 2 + 0 + 3 + 0 + 3 = 15; public sector is lost.
    assert check["selections"] == 15
    assert check["missing"] == ["Public sector workers / employees"]


def test_options_follow_the_form_order(real):
    data, _, summary = real
    for question in data.questionnaire.closed:
        assert summary.loc[summary["question_id"] == question.id, "option"].tolist() == list(question.options)


def test_selections_against_max_choices_and_single_choice_totals(real):
    data, _, summary = real
    q3 = describe.selections_check(summary, data.questionnaire["Q3"])
    assert (q3["selections"], q3["limit"], q3["ok"]) == (67, 69, True)  # 22+20+6+14+3+2 of 3 x 23
    q14 = describe.selections_check(summary, data.questionnaire["Q14"])
    assert (q14["selections"], q14["limit"], q14["ok"]) == (24, 23, False)
    notes = dict(
        (text.split(":")[0], kind)
        for kind, text in describe.question_notes(summary, data.questionnaire["Q14"])
    )
    assert (
        notes["Single choice, yet the counts add to 19 + 2 + 3 = 24 answers from 23 respondents"] == "warning"
    )


def test_more_selections_than_max_choices_allow_is_flagged():
    questionnaire = parse_questionnaire(
        {"questions": [{"id": "Q1", "type": "multi", "max_choices": 1, "options": ["A", "B"]}]}
    )
    counts = pd.DataFrame(
        {
            "question_id": ["Q1", "Q1"],
            "option": ["A", "B"],
            "count": [2, 2],
            "base": [3, 3],
            "status": ["legible"] * 2,
        }
    )
    summary = describe.closed_summary(counts, questionnaire)
    check = describe.selections_check(summary, questionnaire["Q1"])
    assert (check["selections"], check["limit"], check["ok"]) == (4, 3, False)
    warnings = [t for k, t in describe.question_notes(summary, questionnaire["Q1"]) if k == "warning"]
    assert any("MORE than the 1 x 3 = 3" in t for t in warnings)


def test_pies_reproduce_the_report_and_state_their_base(real):
    data, _, summary = real
    q14 = describe.pie_percentages(summary, "Q14", describe.printed_pie_percentages(data.claims, "Q14"))
    assert q14["pie_percent"].tolist() == ["79%", "8%", "13%"] == q14["printed"].tolist()
    assert q14["percent_of_respondents"].tolist() == ["82.6%", "8.7%", "13.0%"]
    assert "shares of 24 answers, not of the 23 respondents" in describe.pie_base_note(summary, "Q14")
    q11 = describe.pie_percentages(summary, "Q11", describe.printed_pie_percentages(data.claims, "Q11"))
    assert q11["pie_percent"].tolist() == ["26%", "61%", "13%", "0%", "0%"]
    assert q11["printed"].tolist() == ["", "61%", "13%", "", ""]
    assert "shares of 23 answers, which equal the 23 respondents" in describe.pie_base_note(summary, "Q11")


def test_respondent_profile_shows_the_two_multiple_submitters(real):
    _, tables, _ = real
    profile = describe.institution_profile(tables["institutions"])
    multiple = profile[profile["multiple"]]
    assert multiple["institution"].tolist() == ["NIPA", "Zambia Air Services Training Institute"]
    assert multiple["submissions"].tolist() == [4, 2]
    assert profile["submissions"].sum() == 23 and len(profile) == 19
    assert describe.multiple_submitters_text(profile) == (
        "2 institution(s) sent more than one submission: "
        "National Institute of Public Administration (NIPA) (4); "
        "Zambia Air Services Training Institute (ZASTI) (2)."
    )
    by_type = describe.submissions_by_type(tables["institutions"]).set_index("institution_type")
    assert (by_type.loc["university", "institutions"], by_type.loc["university", "submissions"]) == (8, 8)
    assert (
        by_type.loc["training_institute", "institutions"],
        by_type.loc["training_institute", "submissions"],
    ) == (
        7,
        11,
    )


def test_readme_caveats_reach_their_questions(real, tmp_path):
    data, _, _ = real
    caveats = describe.readme_caveats(data.path)
    assert any("axis runs 0-5-10-15" in c for c in caveats["Q5"])
    assert any("Q9 base" in c for c in caveats["Q9"])
    (tmp_path / "README.md").write_text(
        "# x\n## Known gaps and doubts\n- **Q2 and Q3 scale:** first\n  continued.\n- no label here\n"
        "## Next\n- **Q4:** no\n",
        encoding="utf-8",
    )
    assert describe.readme_caveats(tmp_path) == {
        "Q2": ["Q2 and Q3 scale: first continued."],
        "Q3": ["Q2 and Q3 scale: first continued."],
    }
    assert describe.readme_caveats(tmp_path / "absent") == {}


# ------------------------------------------------------------------------------------- exports


def _write_tiny_export(folder: Path) -> Path:
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(
        "questions:\n"
        "  - {id: Q1, type: institution, text: Institution}\n"
        "  - {id: Q2, type: multi, text: Formats, options: [Short courses, Badges, Other]}\n"
        "  - {id: Q3, type: single, text: Position, options: [Agree, Disagree]}\n",
        encoding="utf-8",
    )
    (folder / "export.csv").write_text(
        "ID,Q1,Q2,Q3\n"
        "1,Uni A,Short courses;Badges;,Agree\n"
        "2,Uni A,Short courses;,Agree\n"
        "3,College B,,Disagree\n"
        "4,College B,Badges;,Agree\n"
        "5,Institute C,Short courses;,\n",
        encoding="utf-8",
    )
    return folder


def test_shares_of_a_tiny_export_match_the_hand_count(tmp_path):
    data = load_dataset(_write_tiny_export(tmp_path / "tiny"))
    summary = describe.closed_summary(clean_dataset(data)["closed_counts"], data.questionnaire)
    # Q2 answered by 4 of 5 (submission 3 left it blank): Short courses 3/4, Badges 2/4, Other 0/4.
    q2 = summary[summary["question_id"] == "Q2"]
    assert q2["count"].tolist() == [3, 2, 0] and set(q2["base"]) == {4}
    assert q2["share"].tolist() == pytest.approx([0.75, 0.5, 0.0])
    # Q3 answered by 4 of 5: Agree 3/4, Disagree 1/4.
    q3 = summary[summary["question_id"] == "Q3"]
    assert q3["count"].tolist() == [3, 1] and q3["share"].tolist() == pytest.approx([0.75, 0.25])
    notes = [
        t for _, t in describe.question_notes(summary, data.questionnaire["Q2"], "export", data.respondents)
    ]
    assert notes[0].startswith("Base: 4 submissions that answered Q2 of 5")


def test_shares_of_the_synthetic_export_match_an_independent_count():
    data = load_dataset(SYNTHETIC)
    summary = describe.closed_summary(clean_dataset(data)["closed_counts"], data.questionnaire)
    with open(SYNTHETIC / "export.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    column_of = {q.id: header.index(q.text) for q in data.questionnaire.closed}
    for question_id, option in [
        ("Q5", "Short courses"),
        ("Q3", "Expansion will grow especially in TVET"),
        ("Q11", "I agree"),
        ("Q14", "No"),
    ]:
        cells = [r[column_of[question_id]].strip() for r in rows[1:]]
        answered = [c for c in cells if c]
        chosen = sum(
            option in [p.strip() for p in c.split(";")] if question_id not in ("Q11", "Q14") else c == option
            for c in answered
        )
        row = _row(summary, question_id, option)
        assert (row["count"], row["base"]) == (chosen, len(answered))
        assert row["share"] == pytest.approx(chosen / len(answered))


# ------------------------------------------------------------------------------------ notebook


@pytest.mark.slow
def test_02_describe_on_the_real_dataset(zaqa_report):
    processed = processed_of(zaqa_report)
    summary = pd.read_csv(processed / "closed_summary.csv", dtype={"count": "Int64"})
    row = summary[(summary["question_id"] == "Q11") & (summary["option"] == "I agree")].iloc[0]
    assert (row["count"], row["base"], round(row["share"], 6)) == (6, 23, round(6 / 23, 6))
    assert summary["count"].isna().sum() == 25  # the 25 counts lost in the OCR stay empty
    audit = pd.read_csv(processed / "audit.csv")
    assert len(audit) == 37
    assert audit.set_index("claim_id").loc["C29", "verdict"] == "disagrees"
    for question_id in ("Q3", "Q4", "Q5", "Q6", "Q7", "Q9", "Q10", "Q11", "Q12", "Q14"):
        assert (zaqa_report / "figures" / f"{question_id}.png").is_file()
        assert (zaqa_report / "figures" / f"{question_id}.svg").is_file()
    workbook = openpyxl.load_workbook(zaqa_report / "tables.xlsx")
    assert {"Q3", "Q14", "audit", "institutions"} <= set(workbook.sheetnames)

    html = (zaqa_report / "02_describe.html").read_text(encoding="utf-8")
    text, tables = page_text(html), page_tables(html)
    assert "not legible in source" in text and "axis runs 0-5-10-15" in text
    caption = (
        "23 of the 23 respondents named an institution: 19 institutions (names that differ only in spelling "
        "counted once)"
    )
    assert len(tables[caption]) == 1 + 19
    # the pies the questionnaire declares, and no other; intervals wide at 23, said with their width
    pies = sorted(p.name for p in (zaqa_report / "figures").glob("*_pie.png"))
    assert pies == ["Q11_pie.png", "Q14_pie.png"]
    assert "With so few respondents the intervals are wide: up to " in text
    # Box 3, "87% of responses was in favour": I agree 6 + I agree but need more dialogue 14 = 20 of 23
    assert "87% of responses was in favour. 87% 87.0% (20 of 23) agrees" in text
    verdicts = dict(tables["37 claims"][1:])
    assert sum(int(n) for n in verdicts.values()) == 37 and verdicts["disagrees"] == "6"
    assert len(tables["6 figure(s) of the report that the data do not support"]) == 1 + 6
    low, high = proportion_confint(6, 23, alpha=0.05, method="wilson")
    q11 = next(rows for rows in all_tables(html) if rows[0][:1] == ["option"] and rows[1][0] == "I agree")
    assert q11[1] == ["I agree", "6", "23", "26.1%", f"{100 * low:.1f}%", f"{100 * high:.1f}%", "legible"]


@pytest.mark.slow
def test_02_describe_runs_on_an_export_without_claims(tmp_path):
    executed = tmp_path / "02_describe.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "02_describe.ipynb"),
        str(executed),
        parameters={"dataset": str(SYNTHETIC), "output_root": str(tmp_path), "ci_method": "jeffreys"},
        kernel_name="zqf-analysis",
        cwd=str(ROOT),
        progress_bar=False,
    )
    assert "no claims to audit" in executed.read_text(encoding="utf-8")
    audit = pd.read_csv(tmp_path / "data" / "processed" / "synthetic-export" / "audit.csv")
    assert audit.empty and list(audit.columns)[:2] == ["claim_id", "location"]
    # what the notebook shows for Q11, counted in export.csv: 26 of the 38 who answered chose "I agree"
    shown = "\n".join(
        joined(output["data"]["text/html"])
        for _, output in executed_outputs(executed)
        if "text/html" in output.get("data", {})
    )
    q11 = [cell for cell in export_column(SYNTHETIC / "export.csv", 11) if cell]
    assert (q11.count("I agree"), len(q11)) == (26, 38)
    low, high = proportion_confint(26, 38, alpha=0.05, method="jeffreys")
    assert "Intervals: 95% Jeffreys interval from statsmodels' proportion_confint." in page_text(shown)
    table = next(rows for rows in all_tables(shown) if rows[0][:1] == ["option"] and rows[1][0] == "I agree")
    assert table[1] == ["I agree", "26", "38", "68.4%", f"{100 * low:.1f}%", f"{100 * high:.1f}%", "tabulated"]


def test_the_multi_select_note_appears_only_with_a_multi_select_question():
    from zqf_analysis.data.questionnaire import parse_questionnaire

    single = {"id": "Q1", "type": "single", "text": "x", "options": ["A", "B"]}
    assert describe.multi_select_note(parse_questionnaire({"questions": [single]})) == ""
    both = parse_questionnaire({"questions": [single, {"id": "Q2", "type": "multi", "text": "y", "options": ["A"]}]})
    assert describe.multi_select_note(both).startswith("Multi-select questions (Q2): ")
