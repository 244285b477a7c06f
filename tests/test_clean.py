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


def test_identical_answers_are_flagged_and_kept(tables):
    answers = tables["open_responses"]
    repeated = answers[answers["duplicate_of"] != ""]
    assert list(
        zip(repeated["question_id"], repeated["response_id"], repeated["duplicate_of"], strict=False)
    ) == [
        ("Q2", "11", "6"),  # "Short Courses" repeats "Short courses" (case ignored)
        ("Q8", "11", "10"),  # "Training Equipment is inadequate"
        ("Q8", "12", "8"),  # "Recognition"
        ("Q13", "9", "8"),  # the ICAO answer, printed twice
    ]
    assert len(answers) == 14 + 23 + 18


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
            "text": ["Funding", "Funding", "funding."],
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
