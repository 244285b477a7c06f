"""The audit: the report's figures recomputed from the data, on the real claims and on hand-made ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.stats import audit
from zqf_analysis.stats.describe import readme_caveats

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_audit() -> pd.DataFrame:
    data = load_dataset(ROOT / "data" / "raw" / "zaqa-2024")
    return audit.audit_dataset(data, caveats=readme_caveats(data.path)).set_index("claim_id")


# ------------------------------------------------------------------------------ the real report


@pytest.mark.parametrize(
    ("claim_id", "verdict", "recomputed"),
    [
        ("C13", "agrees", "87.0% (20 of 23)"),  # 87% in favour: 6 + 14 of 23
        ("C29", "disagrees", "60.9% (14 of 23)"),  # prose 63%, chart 61%
        ("C20", "agrees", "60.9% (14 of 23)"),  # the pie's 61%
        ("C03", "disagrees", "8 institutions typed university"),  # "six Universities"
        ("C12", "disagrees", "18 of 23 (78.3%)"),  # "unanimously ... extremely important and urgent"
        ("C28", "disagrees", "18 of 23 (78.3%)"),
        ("C27", "disagrees", "20 of 23 (87.0%)"),  # "unanimous agreement" to integrate
        ("C25", "disagrees", "24 answers from 23 respondents"),  # Q14 adds to 24
        ("C26", "agrees", "23 answers from 23 respondents"),  # Q11 adds to 23
        ("C06", "agrees", "52.2% (12 of 23)"),  # "approx. half are providers"
        ("C05", "cannot_check", "no independent count"),  # the 3 is quoted from this very sentence
        ("C08", "cannot_check", None),  # public sector count lost
        ("C07", "agrees", "short course: 7 of 11 substantive answers"),
        ("C01", "agrees", "23 respondents"),
        ("C15", "agrees", None),  # NIPA (4) and ZASTI (2)
        ("C37", "agrees", "all 0"),
        ("C09", "cannot_check", ""),  # the report cut the sentence off
    ],
)
def test_verdicts_on_the_real_report(real_audit, claim_id, verdict, recomputed):
    row = real_audit.loc[claim_id]
    assert row["verdict"] == verdict, row["reason"]
    if recomputed is not None:
        assert row["recomputed"] == recomputed


def test_every_claim_gets_a_verdict_and_a_reason(real_audit):
    assert len(real_audit) == 37
    assert set(real_audit["verdict"]) <= set(audit.VERDICTS)
    assert real_audit["reason"].str.len().min() > 20
    assert list(real_audit.reset_index().columns) == audit.AUDIT_COLUMNS


def test_reasons_say_what_a_reader_needs(real_audit):
    assert "Texila American University" in real_audit.loc["C03", "reason"]
    assert "Eden University" in real_audit.loc["C03", "reason"]
    assert "Shares of the 24 answers print as 79% / 8% / 13%" in real_audit.loc["C25", "reason"]
    assert "circular" in real_audit.loc["C05", "reason"]
    assert "Public sector workers / employees" in real_audit.loc["C08", "reason"]
    c07 = real_audit.loc["C07", "reason"]
    assert "answers 1, 3, 6, 7, 11, 12, 13" in c07  # answer 4's "Sort focused" is not counted
    assert "Q5" in c07 and "axis runs 0-5-10-15" in c07
    assert "10 percentage points" in real_audit.loc["C06", "reason"]
    assert "3 did not choose these options" in real_audit.loc["C27", "reason"]


def test_pie_slices_of_24_answers_agree_and_say_their_base(real_audit):
    row = real_audit.loc["C22"]  # 79% Yes: 19 of 24 answers, not 19 of 23 respondents (82.6%)
    assert row["verdict"] == "agrees"
    assert row["recomputed"] == "79.2% of 24 answers; 82.6% of 23 respondents"


def test_a_dataset_without_claims_has_nothing_to_audit():
    data = load_dataset(ROOT / "tests" / "fixtures" / "synthetic-export")
    result = audit.audit_dataset(data)
    assert result.empty and list(result.columns) == audit.AUDIT_COLUMNS
    assert audit.verdict_counts(result)["claims"].tolist() == [0, 0, 0]


# --------------------------------------------------------------------------------- hand-made data

QUESTIONNAIRE = parse_questionnaire(
    {
        "questions": [
            {"id": "Q1", "type": "institution", "text": "Institution"},
            {"id": "Q2", "type": "open", "text": "Definition"},
            {
                "id": "Q3",
                "type": "single",
                "text": "Position",
                "options": ["Agree", "Agree but", "Unsure", "No"],
            },
            {"id": "Q4", "type": "multi", "text": "Uses", "options": ["A", "B", "C", "D"]},
        ]
    }
)


def _data(
    q4_counts: dict,
    q4_status: dict | None = None,
    q4_source: dict | None = None,
    q3_counts=(6, 14, 3, 0),
    answers=("Short course",),
) -> audit.AuditData:
    q4_status = q4_status or {}
    q4_source = q4_source or {}
    rows = [("Q3", o, c, "legible", "") for o, c in zip(QUESTIONNAIRE["Q3"].options, q3_counts, strict=True)]
    for option in QUESTIONNAIRE["Q4"].options:
        count = q4_counts.get(option)
        status = q4_status.get(option, "missing" if count is None else "legible")
        rows.append(("Q4", option, count, status, q4_source.get(option, "")))
    counts = pd.DataFrame(rows, columns=["question_id", "option", "count", "status", "source"])
    counts["count"] = counts["count"].astype("Int64")
    counts["base"] = 23
    institutions = pd.DataFrame(
        {
            "institution": ["U1", "U2", "T1"],
            "canonical_name": ["Uni One", "Uni Two", "Tech One"],
            "institution_type": ["university", "university", "training_institute"],
            "submissions": [20, 1, 2],
        }
    )
    open_responses = pd.DataFrame(
        {
            "question_id": "Q2",
            "response_id": [str(i) for i in range(1, len(answers) + 1)],
            "text": list(answers),
            "clean_text": list(answers),
            "substantive": True,
            "duplicate_of": "",
        }
    )
    return audit.AuditData(QUESTIONNAIRE, 23, "published", counts, institutions, open_responses)


def _claim(
    check: str, stated: str, question_id: str = "Q4", options: str = "", claim: str = "A sentence."
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "claim_id": "X1",
                "location": "Box",
                "claim": claim,
                "stated_value": stated,
                "question_id": question_id,
                "options": options,
                "check": check,
            }
        ]
    )


def _verdict(data, *args, **kwargs) -> pd.Series:
    return audit.audit_claims(_claim(*args, **kwargs), data).iloc[0]


@pytest.mark.parametrize(
    ("stated", "verdict"),
    [
        ("61%", "agrees"),
        ("63%", "disagrees"),
        ("60.9%", "agrees"),
        ("60.8%", "disagrees"),
        ("60.87%", "agrees"),
    ],
)
def test_percentages_compare_after_rounding_to_the_printed_precision(stated, verdict):
    assert _verdict(_data({}), "share", stated, "Q3", "Agree but")["verdict"] == verdict  # 14 of 23 = 60.87%


def test_a_lost_count_decides_nothing_unless_the_known_counts_do():
    data = _data({"A": None, "B": 9, "C": 2, "D": 0})
    # A is lost: a share of A that some count could give (39% = 9 of 23) cannot be checked ...
    assert _verdict(data, "share", "39%", "Q4", "A")["verdict"] == "cannot_check"
    # ... but 40% is no whole count of 23 (9 is 39.1%, 10 is 43.5%), whatever A is.
    row = _verdict(data, "share", "40%", "Q4", "A")
    assert (
        row["verdict"] == "disagrees"
        and "no possible count from 0 to 23 of 23 prints as 40%" in row["reason"]
    )
    # "A and C are the top two": B (9) already beats C (2), whatever A is.
    row = _verdict(data, "top", "top 2", "Q4", "A|C")
    assert row["verdict"] == "disagrees" and "B (9) beats C (2)" in row["reason"]
    # "B is the top one": A could be anything from 0 to 23.
    assert _verdict(data, "top", "top 1", "Q4", "B")["verdict"] == "cannot_check"
    # "A is zero": unknown; "C is zero": 2 is legible.
    assert _verdict(data, "zero", "0", "Q4", "A")["verdict"] == "cannot_check"
    assert _verdict(data, "zero", "0", "Q4", "C")["verdict"] == "disagrees"
    assert _verdict(data, "greater", "B > C", "Q4", "B|C")["verdict"] == "agrees"


def test_top_is_decided_when_every_lost_count_is_outranked():
    data = _data({"A": 12, "B": 9, "C": 2, "D": 0})
    assert _verdict(data, "top", "top 2", "Q4", "A|B")["verdict"] == "agrees"
    assert _verdict(data, "top", "top 2", "Q4", "A|C")["verdict"] == "disagrees"


def test_a_count_stated_by_the_claim_itself_is_not_evidence():
    sentence = "Only 3 responses confirm that discussions had started."
    quoted = _data({"A": 3}, q4_status={"A": "stated"}, q4_source={"A": f'Box 3: "{sentence}" (chart lost)'})
    row = _verdict(quoted, "count", "3", "Q4", "A", claim=sentence)
    assert row["verdict"] == "cannot_check" and "circular" in row["reason"]
    # The same stated count checked by another sentence is used, and the reason says it is the report's own.
    row = _verdict(quoted, "count", "3", "Q4", "A", claim="Three institutions discussed it.")
    assert row["verdict"] == "agrees" and "compares the report with itself" in row["reason"]


@pytest.mark.parametrize(
    ("count", "verdict"),
    [(12, "agrees"), (10, "agrees"), (13, "agrees"), (9, "disagrees"), (14, "disagrees")],
)
def test_approximately_half_allows_ten_points(count, verdict):
    # 12/23 = 52.2%, 10/23 = 43.5%, 13/23 = 56.5% are within 10 points of 50%;
    # 9/23 = 39.1% and 14/23 = 60.9% are not.
    assert _verdict(_data({"A": count}), "approx_share", "approx. half", "Q4", "A")["verdict"] == verdict


def test_unanimous_means_every_respondent():
    assert _verdict(_data({"A": 23}), "unanimous", "unanimous", "Q4", "A")["verdict"] == "agrees"
    assert _verdict(_data({"A": 22}), "unanimous", "unanimous", "Q4", "A")["verdict"] == "disagrees"
    assert _verdict(_data({"A": None}), "unanimous", "unanimous", "Q4", "A")["verdict"] == "cannot_check"
    # Single choice: options add up (6 + 14 = 20 of 23).
    row = _verdict(_data({}), "unanimous", "unanimous", "Q3", "Agree|Agree but")
    assert (row["verdict"], row["recomputed"]) == ("disagrees", "20 of 23 (87.0%)")


def test_majority_and_few():
    data = _data({"A": 12, "B": 11, "C": 3, "D": 0})
    assert _verdict(data, "majority", "majority", "Q4", "A")["verdict"] == "agrees"  # 12 > 11.5
    assert _verdict(data, "majority", "majority", "Q4", "B")["verdict"] == "disagrees"
    assert _verdict(data, "few", "few", "Q4", "C")["verdict"] == "agrees"  # 1..5 of 23
    assert _verdict(data, "few", "few", "Q4", "B")["verdict"] == "disagrees"


def test_single_total_against_respondents():
    assert _verdict(_data({}), "single_total", "23", "Q3")["verdict"] == "agrees"  # 6+14+3+0
    row = _verdict(_data({}, q3_counts=(19, 2, 3, 0)), "single_total", "23", "Q3")
    assert row["verdict"] == "disagrees" and "19 + " in row["reason"] and "= 24 answers" in row["reason"]


def test_institutions_of_type_and_majority_of_submissions():
    data = _data({})
    row = _verdict(data, "institutions_of_type", "six", "Q1", "university")
    assert (row["verdict"], row["recomputed"]) == ("disagrees", "2 institutions typed university")
    assert _verdict(data, "institutions_of_type", "2", "Q1", "university")["verdict"] == "agrees"
    assert _verdict(data, "majority_of_submissions_by_type", "majority", "Q1", "training_institute")[
        "verdict"
    ] == ("disagrees")  # 2 of 23


def test_most_frequent_designation_counts_what_is_written():
    data = _data(
        {}, answers=("Short course", "Sort course", "Digital badges", "a digital badge", "SHORT COURSES")
    )
    row = _verdict(data, "most_frequent_designation", "most frequent", "Q2", "digital badge")
    assert row["verdict"] == "disagrees" and "(tied)" in row["reason"]  # short course 2, digital badge 2
    data = _data({}, answers=("Short course", "Sort course", "Digital badges", "a digital badge"))
    assert (
        _verdict(data, "most_frequent_designation", "most frequent", "Q2", "digital badge")["verdict"]
        == "agrees"
    )
    assert (
        _verdict(data, "most_frequent_designation", "most frequent", "Q2", "short course")["verdict"]
        == "disagrees"
    )


def test_a_claim_naming_an_unknown_option_is_a_clear_error():
    with pytest.raises(DataError, match="option 'Z' is not an option of Q4"):
        audit.audit_claims(_claim("share", "10%", "Q4", "Z"), _data({"A": 1}))
    with pytest.raises(DataError, match=r"needs a closed \(single, multi, ranking or scale\) question"):
        audit.audit_claims(_claim("share", "10%", "Q2", "A"), _data({"A": 1}))


def test_the_audit_table_escapes_respondent_text():
    table = pd.DataFrame(
        [
            {
                "claim_id": "X",
                "location": "L",
                "claim": "<script>alert(1)</script>",
                "stated": "1",
                "recomputed": "2",
                "verdict": "disagrees",
                "reason": "a & b",
            }
        ]
    )
    html = audit.audit_styler(table).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "#f8d7da" in html
