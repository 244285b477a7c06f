"""The transcription of the ZAQA report, checked against figures a reader can find in the report."""

from __future__ import annotations

import pandas as pd
import pytest

from zqf_analysis.data.load import load_dataset


@pytest.fixture(scope="module")
def data(raw_dataset):
    return load_dataset(raw_dataset)


def count(data, question_id, option):
    row = data.counts[(data.counts["question_id"] == question_id) & (data.counts["option"] == option)]
    assert len(row) == 1, (question_id, option)
    return row.iloc[0]


def test_23_submissions_from_19_institutions(data):
    assert data.respondents == 23
    assert len(data.institutions) == 19
    assert data.institutions["submissions"].sum() == 23


def test_the_two_multiple_submitters_are_nipa_and_zasti(data):
    multiple = data.institutions[data.institutions["submissions"] > 1]
    assert dict(zip(multiple["institution"], multiple["submissions"], strict=False)) == {
        "NIPA": 4,
        "Zambia Air Services Training Institute": 2,
    }


def test_fourteen_questions_of_the_stated_types(data):
    questionnaire = data.questionnaire
    assert questionnaire.ids == tuple(f"Q{i}" for i in range(1, 15))
    assert [q.id for q in questionnaire.open] == ["Q2", "Q8", "Q13"]
    assert [q.id for q in questionnaire.of_type("single")] == ["Q11", "Q14"]
    assert questionnaire["Q3"].max_choices == 3


def test_q3_counts_as_printed(data):
    assert count(data, "Q3", "Continuing growth and diversity")["count"] == 22
    assert count(data, "Q3", "Strong expansion in certain industry sectors / certain skills")["count"] == 20
    assert count(data, "Q3", "Expansion will grow especially in TVET")["count"] == 14
    q3 = data.counts[data.counts["question_id"] == "Q3"]
    assert q3["count"].sum() == 67  # 22 + 20 + 6 + 14 + 3 + 2 + 0 + 0, within 3 choices x 23


def test_q11_counts_are_6_14_3_0_0(data):
    q11 = data.counts[data.counts["question_id"] == "Q11"]
    assert list(q11["count"]) == [6, 14, 3, 0, 0]
    assert set(q11["status"]) == {"legible"}


def test_q14_counts_add_to_24_not_23(data):
    q14 = data.counts[data.counts["question_id"] == "Q14"]
    assert list(q14["count"]) == [19, 2, 3]


def test_lost_counts_are_missing_not_zero(data):
    public_sector = count(data, "Q6", "Public sector workers / employees")
    assert public_sector["status"] == "missing" and pd.isna(public_sector["count"])
    upskilling = count(data, "Q7", "Upskilling and reskilling")
    assert upskilling["status"] == "missing" and pd.isna(upskilling["count"])
    assert (data.counts["status"] == "missing").sum() == 25


def test_stated_counts_quote_the_report(data):
    stated = data.counts[data.counts["status"] == "stated"]
    assert len(stated) == 4
    discussions = count(data, "Q4", "We started discussions on the issues and potentialities of micro-credentials")
    assert discussions["count"] == 3 and "only 3 responses confirm" in discussions["source"]


def test_every_count_says_where_it_comes_from(data):
    assert data.counts["source"].str.len().gt(10).all()
    legible = data.counts[data.counts["status"] == "legible"]
    assert legible["source"].str.startswith("OCR line").all()


def test_open_answers_per_question(data):
    sizes = data.open_responses.groupby("question_id").size().to_dict()
    assert sizes == {"Q2": 14, "Q8": 23, "Q13": 18}


def test_open_answers_are_verbatim(data):
    answers = data.open_responses.set_index(["question_id", "response_id"])["text"]
    assert answers[("Q2", "1")] == "Short course"
    assert answers[("Q2", "8")] == "| don’t know"  # the OCR's pipe for "I" is kept in the raw file
    assert answers[("Q8", "3")] == "They do not seat on the qualification framework"
    assert answers[("Q8", "7")].startswith("SOME COMPANIES TO RECOGNISE")
    assert answers[("Q13", "18")] == "None"


def test_every_claim_names_a_question_and_a_check(data):
    assert len(data.claims) == 37
    assert data.claims["claim_id"].is_unique
    claims = data.claims.set_index("claim_id")
    assert claims.loc["C13", "stated_value"] == "87%"
    assert claims.loc["C29", "stated_value"] == "63%"
    assert claims.loc["C03", "claim"] == "including six Universities."
