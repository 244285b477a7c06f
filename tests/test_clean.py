"""Cleaning: institution mapping, clean_text, flags and byte-identical atomic outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from zqf_analysis.data.clean import (
    clean_dataset,
    clean_dataset_to,
    clean_institutions,
    clean_open_responses,
    default_canonical_name,
    read_processed,
    unused_mappings,
)
from zqf_analysis.data.load import load_dataset


@pytest.fixture(scope="module")
def tables(raw_dataset):
    return clean_dataset(load_dataset(raw_dataset))


def test_real_non_substantive_answers_are_the_four_a_reader_finds(tables):
    answers = tables["open_responses"]
    flagged = answers[~answers["substantive"]]
    assert list(zip(flagged["question_id"], flagged["response_id"], flagged["text"], strict=False)) == [
        ("Q2", "2", "N/A"),
        ("Q2", "8", "| don’t know"),
        ("Q2", "10", "NIL"),
        ("Q13", "18", "None"),
    ]


def test_only_a_long_answer_printed_twice_is_flagged_as_repeated(tables):
    answers = tables["open_responses"]
    repeated = answers[answers["duplicate_of"] != ""]
    # The ICAO answer (31 words) is printed twice: a likely double submission. "Short Courses" (Q2, 11
    # after 6), "Training Equipment is inadequate" (Q8, 11 after 10) and "Recognition" (Q8, 12 after 8)
    # are repeated too, but they are short answers several respondents give: not flagged.
    assert list(
        zip(repeated["question_id"], repeated["response_id"], repeated["duplicate_of"], strict=False)
    ) == [("Q13", "9", "8")]
    assert len(answers) == 14 + 23 + 18


def _answers(texts, question="Q2"):
    return pd.DataFrame(
        {"question_id": question, "response_id": [str(i) for i in range(1, len(texts) + 1)], "text": texts}
    )


LONG = "We have no budget for the software licences that the course would need this year"


def test_a_common_short_answer_is_not_a_double_submission():
    cleaned = clean_open_responses(_answers(["time"] * 8 + ["Time.", "Lack of time"]), ("Q2",))
    assert list(cleaned["duplicate_of"]) == [""] * 10


def test_a_long_answer_repeated_by_the_same_submitter_is_flagged():
    # 16 words, typed again by the same institution (case and a final stop ignored): flagged, kept
    answers = _answers([LONG, "time", LONG.upper() + "."])
    submitter = {"1": "institution:kalulu university", "2": "institution:x", "3": "institution:kalulu university"}
    cleaned = clean_open_responses(answers, ("Q2",), submitter)
    assert list(cleaned["duplicate_of"]) == ["", "", "1"]
    assert len(cleaned) == 3


def test_a_long_answer_from_two_submitters_is_not_flagged():
    answers = _answers([LONG, LONG])
    cleaned = clean_open_responses(answers, ("Q2",), {"1": "institution:a", "2": "institution:b"})
    assert list(cleaned["duplicate_of"]) == ["", ""]
    # published answers are linked to no one: the long identical text is then the evidence
    assert list(clean_open_responses(answers, ("Q2",))["duplicate_of"]) == ["", "1"]


def test_an_anonymous_submission_sent_twice_is_found_by_its_closed_answers(tmp_path):
    from zqf_analysis.data.synth_survey import SurveyShape, write_survey

    folder = write_survey(SurveyShape(respondents=60, questions=8, open=2, duplicates=2), 5, tmp_path / "twice")
    tables = clean_dataset(load_dataset(folder))
    repeated = tables["open_responses"][tables["open_responses"]["duplicate_of"] != ""]
    # the two copies (ids 61 and 62) repeat their originals' long answers; nobody else is flagged
    assert set(repeated["response_id"]) <= {"61", "62"} and len(repeated) >= 1
    assert all(int(r) <= 60 for r in repeated["duplicate_of"])
    assert int(tables["respondents"]["respondents"].iloc[0]) == 62


def test_verbatim_text_is_kept_beside_clean_text(tables):
    answers = tables["open_responses"].set_index(["question_id", "response_id"])
    assert answers.loc[("Q2", "8"), "text"] == "| don’t know"
    assert answers.loc[("Q2", "8"), "clean_text"] == "I don't know"


def test_institutions_are_normalised_through_the_mapping(tables):
    institutions = tables["institutions"].set_index("institution")
    assert institutions.loc["Rusangu Universtiy", "canonical_name"] == "Rusangu University"
    assert institutions.loc["COPPERBELT UNIVERSITY", "canonical_name"] == "Copperbelt University"
    assert institutions.loc["TEVETA", "institution_type"] == "public_body"
    by_type = tables["institutions"].groupby("institution_type")["submissions"].sum().to_dict()
    assert by_type == {
        "company": 1,
        "professional_body": 1,
        "public_body": 2,
        "training_institute": 11,
        "university": 8,
    }
    assert (tables["institutions"]["institution_type"] == "university").sum() == 8


def test_unmapped_institutions_get_a_default_name_and_no_type():
    printed = pd.DataFrame({"institution": ["eden  university", "NEW BODY OF ZAMBIA"], "submissions": [1, 2]})
    mapping = pd.DataFrame(
        {
            "institution": ["eden  university", "Old name"],
            "canonical_name": ["Eden University", "Old"],
            "institution_type": ["university", "other"],
            "note": ["", ""],
        }
    )
    cleaned = clean_institutions(printed, mapping)
    assert list(cleaned["canonical_name"]) == ["Eden University", "New Body Of Zambia"]
    assert list(cleaned["institution_type"]) == ["university", "unmapped"]
    assert unused_mappings(printed, mapping) == ["Old name"]
    assert default_canonical_name("ISTT") == "ISTT"


def test_missing_counts_stay_empty_with_the_base(tables):
    counts = tables["closed_counts"]
    assert list(counts.columns) == ["question_id", "option", "count", "base", "status", "write_ins"]
    assert set(counts["base"]) == {23}
    assert counts["write_ins"].isna().all()  # the published report never says which Other answers were typed
    missing = counts[counts["status"] == "missing"]
    assert len(missing) == 25 and missing["count"].isna().all()


def test_duplicates_are_found_within_a_question_only():
    answers = pd.DataFrame(
        {
            "question_id": ["Q2", "Q8", "Q8"],
            "response_id": ["1", "1", "2"],
            "text": [LONG, LONG, LONG.lower() + "."],
        }
    )
    cleaned = clean_open_responses(answers, ("Q2", "Q8"))
    assert list(cleaned["duplicate_of"]) == ["", "", "1"]


def test_outputs_are_byte_identical_on_rerun(raw_dataset, tmp_path):
    first = clean_dataset_to(raw_dataset, tmp_path / "a")
    second = clean_dataset_to(raw_dataset, tmp_path / "b")
    assert [p.name for p in first] == [
        "institutions.csv",
        "closed_counts.csv",
        "open_responses.csv",
        "respondents.csv",
        "consent_excluded.csv",  # the record of the consent rule (Q14): nobody, for published counts
        "consent_summary.csv",
    ]
    for a, b in zip(first, second, strict=False):
        assert a.read_bytes() == b.read_bytes()
    mtimes = [p.stat().st_mtime_ns for p in first]
    clean_dataset_to(raw_dataset, tmp_path / "a")
    assert [p.stat().st_mtime_ns for p in first] == mtimes  # unchanged files are not rewritten


def test_processed_tables_read_back_with_their_types(raw_dataset, tmp_path):
    clean_dataset_to(raw_dataset, tmp_path / "p")
    back = read_processed(tmp_path / "p")
    assert back["closed_counts"]["count"].sum() == 67 + 16 + 12 + 15 + 0 + 18 + 41 + 23 + 4 + 24
    assert back["open_responses"]["substantive"].sum() == 11 + 23 + 17


def test_cleaning_refuses_to_write_into_the_raw_folder(dataset_copy):
    from zqf_analysis.errors import DataError

    with pytest.raises(DataError, match="must not be inside the raw dataset folder"):
        clean_dataset_to(dataset_copy, dataset_copy / "processed")
