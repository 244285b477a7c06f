"""Ranking and scale questions and write-ins through describe, the audit, the charts, tables.xlsx, the
index and the themes build, on a small export whose every figure can be counted by hand.

The export (Microsoft Forms layout, see ``tests/test_real_formats.py``): six submissions answering a
ranking of three barriers, two statements of a five-step Likert grid, and a multi-select question with an
"Other" option that two respondents answered by typing their own text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from zqf_analysis.build.plan import plan_build
from zqf_analysis.data.clean import clean_dataset
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.report import excel, index, plots
from zqf_analysis.stats import audit, describe
from zqf_analysis.themes.stage import load_answers

ROOT = Path(__file__).resolve().parents[1]

QUESTIONNAIRE = """\
survey: Rankings and scales
questions:
  - {id: Q1, type: ranking, text: Rank the barriers, options: [Cost, Recognition, Access]}
  - id: Q2
    type: scale
    group: How far do you agree?
    text: Micro-credentials help learners
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - id: Q3
    type: scale
    group: How far do you agree?
    text: Employers value micro-credentials
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - {id: Q4, type: multi, text: Which forms?, options: [Badges, Short courses, Other]}
  - {id: Q5, type: open, text: Anything else?}
"""
ROWS = [
    ["ID", "Start time", "Completion time", "Email", "Name", "Rank the barriers", "Micro-credentials help learners",
     "Employers value micro-credentials", "Which forms?", "Anything else?"],
    ["1", "t", "t", "anonymous", "", "Cost;Recognition;Access;", "Agree", "Disagree", "Badges;", "Costs are high"],
    ["2", "t", "t", "", "", "Cost;Access;Recognition;", "Strongly agree", "Neutral", "Badges;Short courses;", ""],
    ["3", "t", "t", "anonymous", "", "Recognition;Cost;Access;", "Agree", "Agree", "Badges;Mentoring circles;", ""],
    ["4", "t", "t", "anonymous", "", "Cost;Recognition;Access;", "Neutral", "Strongly disagree", "Short courses;", ""],
    ["5", "t", "t", "anonymous", "", "Access;Cost;Recognition;", "Disagree", "Disagree", "Peer review; coaching;", ""],
    ["6", "t", "t", "anonymous", "", "", "Agree", "", "Other;", "Nothing"],
]  # fmt: skip


@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "rankings-scales"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(ROWS)
    (folder / "export.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


@pytest.fixture
def loaded(dataset):
    data = load_dataset(dataset)
    tables = clean_dataset(data)
    return data, tables, describe.closed_summary(tables["closed_counts"], data.questionnaire)


def test_ranks_mean_rank_and_first_choices_by_hand(loaded):
    data, tables, summary = loaded
    ranks = describe.ranking_summary(tables["rankings"], data.questionnaire).set_index("option")
    # Rows 1-5 rank; row 6 left it blank. Cost is 1st in rows 1, 2, 4, 2nd in 3 and 5: mean (1+1+2+1+2)/5.
    assert ranks.loc["Cost", "first_choice"] == 3 and ranks.loc["Cost", "base"] == 5
    assert ranks.loc["Cost", "mean_rank"] == pytest.approx(7 / 5)
    assert ranks.loc["Recognition", "mean_rank"] == pytest.approx((2 + 3 + 1 + 2 + 3) / 5)
    assert ranks.loc["Access", "mean_rank"] == pytest.approx((3 + 2 + 3 + 3 + 1) / 5)
    assert ranks.loc["Access", "first_choice_share"] == pytest.approx(1 / 5)
    assert ranks["ranked"].tolist() == [5, 5, 5]
    # The counts of a ranking are its first choices: 3 + 1 + 1 = the base, as one answer each.
    check = describe.selections_check(summary, data.questionnaire["Q1"])
    assert (check["selections"], check["base"], check["ok"]) == (5, 5, True)
    notes = [text for _, text in describe.question_notes(summary, data.questionnaire["Q1"], "export", 6)]
    assert any("ranked the option first" in n for n in notes)
    assert "Ranking (first choices): one answer per respondent; 3 + 1 + 1 = 5, as it should." in notes


def test_write_ins_counted_under_other_and_shown(loaded):
    data, tables, summary = loaded
    q4 = summary[summary["question_id"] == "Q4"].set_index("option")
    # Other: row 3 typed 'Mentoring circles', row 5 'Peer review; coaching', row 6 ticked Other with no text.
    assert q4.loc["Other", "count"] == 3 and q4.loc["Other", "write_ins"] == 2
    assert q4["write_ins"].isna().sum() == 2  # not an Other option: no write-in count
    texts = tables["open_responses"]
    typed = texts[texts["question_id"] == "Q4_other"]
    assert list(zip(typed["response_id"], typed["text"], strict=True)) == [
        ("3", "Mentoring circles"),
        ("5", "Peer review; coaching"),
    ]
    assert typed["clean_text"].tolist() == ["Mentoring circles", "Peer review; coaching"]
    note = describe.write_in_note(summary, data.questionnaire["Q4"])
    assert note == (
        "Other: 2 of its 3 answers were typed in by the respondent (write-ins, kept with the free-text answers "
        "as Q4_other)."
    )
    table = describe.question_table(summary, "Q4")
    assert table["write_ins"].tolist() == ["", "", "2"]
    caption = describe.chart_caption(summary, data.questionnaire["Q4"], "export")
    assert note in caption


def test_write_ins_are_eligible_for_themes_but_not_fanned_out_by_default(dataset):
    answers = load_answers(dataset, "Q4_other")
    assert answers["text"].tolist() == ["Mentoring circles", "Peer review; coaching"]
    # Q5 has one substantive answer ("Costs are high"; "Nothing" says nothing): too few for themes, so it is
    # listed, not run; the write-ins are not fanned out either
    plan = plan_build(dataset)
    assert [(u["question"], u["reason"]) for u in plan.unthemed] == [
        ("Q5", "1 substantive answer, fewer than min_answers = 20")
    ]
    default = {step.id for step in plan.steps}
    assert not any("Q5" in s or "Q4_other" in s for s in default)
    assert "03_themes-Q5" in {step.id for step in plan_build(dataset, questions=["Q5"]).steps}  # named: run
    asked = {step.id for step in plan_build(dataset, questions=["Q4_other"]).steps}
    assert "03_themes-Q4_other" in asked
    with pytest.raises(DataError, match=r"the open ones are Q5, or a closed question's write-ins \(Q4_other\)"):
        plan_build(dataset, questions=["Q9_other"])


def test_scales_keep_their_order_and_a_group_is_drawn_diverging(loaded):
    data, _, summary = loaded
    groups = describe.scale_groups(data.questionnaire)
    assert list(groups) == ["How far do you agree?"] and [q.id for q in groups["How far do you agree?"]] == ["Q2", "Q3"]
    q2 = summary[summary["question_id"] == "Q2"]
    assert q2["option"].tolist() == ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    assert q2["count"].tolist() == [0, 1, 1, 3, 1]
    figure = plots.scale_group_chart(summary, groups["How far do you agree?"], "How far do you agree?")
    bars = [p for p in figure.axes[0].patches]
    # Q2 (first row): Strongly disagree 0, Disagree 1/6, Neutral 1/6 straddling 0, so its bar starts at
    # -(1/6 + 1/12) = -25% and the five segments end at +75%.
    q2_bars = sorted((b for b in bars if abs(b.get_y() + b.get_height() / 2) < 1e-9), key=lambda b: b.get_x())
    assert q2_bars[0].get_x() == pytest.approx(-25.0)
    assert q2_bars[-1].get_x() + q2_bars[-1].get_width() == pytest.approx(75.0)


def test_a_group_on_two_scales_is_refused():
    raw = {
        "questions": [
            {"id": "A", "type": "scale", "group": "G", "options": ["Low", "High"]},
            {"id": "B", "type": "scale", "group": "G", "options": ["No", "Yes"]},
        ]
    }
    with pytest.raises(DataError, match="scale questions of group 'G' must share one scale, but B's options differ"):
        parse_questionnaire(raw)
    with pytest.raises(DataError, match="'group' names the grid a scale question belongs to"):
        parse_questionnaire({"questions": [{"id": "A", "type": "single", "group": "G", "options": ["x"]}]})


def test_ranking_chart_stacks_each_rank(loaded):
    data, tables, _ = loaded
    ranks = describe.ranking_summary(tables["rankings"], data.questionnaire)
    figure = plots.ranking_chart(tables["rankings"], ranks, data.questionnaire["Q1"])
    axis = figure.axes[0]
    labels = [t.get_text() for t in axis.get_yticklabels()]
    assert labels == ["Cost", "Recognition", "Access"]  # best mean rank (1.4) on top, then 2.2 and 2.4
    first = sorted((p for p in axis.patches if p.get_x() == 0), key=lambda p: p.get_y())
    assert [round(p.get_width(), 6) for p in first] == [60.0, 20.0, 20.0]  # ranked first by 3, 1, 1 of 5
    texts = [t.get_text() for t in axis.texts]
    assert "mean rank 1.40" in texts and "mean rank 2.40" in texts


def test_tables_workbook_and_index_show_rankings_and_write_ins(loaded, tmp_path):
    data, tables, summary = loaded
    ranks = describe.ranking_summary(tables["rankings"], data.questionnaire)
    sheets = excel.describe_sheets(summary, data.questionnaire, {}, rankings=ranks)
    names = [s.name for s in sheets]
    assert names == ["Q1", "Q2", "Q3", "Q4", "rankings"]
    book = openpyxl.load_workbook(io.BytesIO(excel.workbook_bytes(sheets)))
    header = [c.value for c in book["Q4"][3]]
    assert header[-1] == "write_ins" and [c.value for c in book["Q4"][6]][-1] == 2
    assert book["rankings"].cell(4, 4).value == "mean_rank"
    processed = tmp_path / "processed"
    processed.mkdir()
    summary.to_csv(processed / "closed_summary.csv", index=False)
    ranks.to_csv(processed / "ranking_summary.csv", index=False)
    found = index.closed_findings(
        index._read_csv(processed / "closed_summary.csv"),
        data.questionnaire,
        "95% Wilson",
        index._read_csv(processed / "ranking_summary.csv"),
    )
    by_id = {f["id"]: f for f in found}
    assert by_id["Q4"]["write_ins"] == 2 and by_id["Q4"]["other_count"] == 3
    assert by_id["Q1"]["best_rank"] == {"option": "Cost", "mean_rank": "1.40"}
    assert by_id["Q1"]["top"][0]["option"] == "Cost" and by_id["Q1"]["top"][0]["count"] == 3


def test_the_audit_reads_rankings_scales_and_write_ins(loaded):
    data, tables, _ = loaded
    claims = pd.DataFrame(
        [
            ["C1", "p. 1", "Cost was ranked first by 60%", "60%", "Q1", "Cost", "share"],
            ["C2", "p. 1", "Most agree that it helps", "", "Q2", "Agree|Strongly agree", "majority"],
            ["C3", "p. 2", "One answer each", "", "Q3", "", "single_total"],
            ["C4", "p. 2", "Four chose badges or another form", "4", "Q4", "Badges|Other", "count"],
        ],
        columns=["claim_id", "location", "claim", "stated_value", "question_id", "options", "check"],
    )
    result = audit.audit_claims(claims, audit.audit_data(data, tables)).set_index("claim_id")
    assert result.loc["C1", "verdict"] == "agrees" and "3 of 5" in result.loc["C1", "recomputed"]
    assert result.loc["C2", "verdict"] == "agrees" and result.loc["C2", "recomputed"].startswith("4 of 6")
    assert result.loc["C3", "verdict"] == "agrees"  # 1 + 2 + 1 + 1 = 5 answers from 5 respondents
    # Badges rows 1, 2, 3; Other rows 3 (typed), 5 (typed), 6: any of them = rows 1, 2, 3, 5, 6 = 5.
    assert result.loc["C4", "verdict"] == "disagrees" and result.loc["C4", "recomputed"].startswith("5")


def test_figures_are_drawn_without_changing_matplotlib_state(loaded):
    import matplotlib

    before = dict(matplotlib.rcParams)
    data, tables, summary = loaded
    ranks = describe.ranking_summary(tables["rankings"], data.questionnaire)
    plots.figure_bytes(plots.ranking_chart(tables["rankings"], ranks, data.questionnaire["Q1"]), "png")
    groups = describe.scale_groups(data.questionnaire)
    plots.figure_bytes(plots.scale_group_chart(summary, groups["How far do you agree?"], "How far?"), "svg")
    assert dict(matplotlib.rcParams) == before
    assert np.isfinite(ranks["mean_rank"]).all()


def test_crosstabs_count_write_ins_under_other_and_a_ranking_by_its_first_choice(loaded):
    from zqf_analysis.stats.crosstab import count_answers

    data, _, _ = loaded
    groups = np.array([0, 0, 0, 1, 1, 1])  # rows 1-3, rows 4-6
    q4 = count_answers(data.responses["Q4"], data.questionnaire["Q4"], groups, 2, data.separator)
    assert q4.counts[:, 2].tolist() == [1, 2]  # Other: row 3 (typed); rows 5 (typed) and 6
    q1 = count_answers(data.responses["Q1"], data.questionnaire["Q1"], groups, 2, data.separator)
    # first choices: rows 1-3 Cost, Cost, Recognition; rows 4-5 Cost, Access; row 6 did not rank
    assert q1.counts.tolist() == [[2, 1, 0], [1, 0, 1]] and q1.bases.tolist() == [3, 2] and not q1.multi
