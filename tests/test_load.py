"""Loaders: published counts and per-respondent exports, and every bad input a user may bring."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from zqf_analysis.data.clean import clean_dataset_to
from zqf_analysis.data.export import read_export, split_choices, tabulate_export
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import load_questionnaire
from zqf_analysis.errors import DataError

SMALL_QUESTIONNAIRE = """\
survey: Small test survey
questions:
  - id: Q1
    type: institution
    text: Your institution
  - id: Q2
    type: open
    text: What is a micro-credential?
  - id: Q3
    type: multi
    max_choices: 2
    text: Which outlook do you expect?
    options:
      - Growth
      - Not certain, we do not have data
      - Decline
  - id: Q4
    type: single
    text: Do you agree?
    options: ["Yes", "No"]
"""
HEADER = (
    "ID,Start time,Completion time,Email,Name,"
    "Your institution,What is a micro-credential?,Which outlook do you expect?,Do you agree?"
)
ROWS = [
    "1,2025-01-02,2025-01-02,anonymous,,Alpha University,Short course,Growth;Decline;,Yes",
    "2,2025-01-02,2025-01-02,anonymous,,Beta College,,Growth;,No",
    '3,2025-01-03,2025-01-03,anonymous,,Alpha University,A badge,"Not certain, we do not have data;",Yes',
    "4,2025-01-03,2025-01-03,anonymous,,Gamma Ltd,N/A,,Yes",
]


def make_export_dataset(
    folder: Path, rows=ROWS, header=HEADER, encoding="utf-8", questionnaire=SMALL_QUESTIONNAIRE
):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "questionnaire.yaml").write_text(questionnaire, encoding="utf-8")
    text = "\n".join([header, *rows]) + "\n"
    (folder / "export.csv").write_bytes(text.encode(encoding))
    return folder


def tally(data, question_id):
    counts = data.counts[data.counts["question_id"] == question_id]
    return dict(zip(counts["option"], counts["count"], strict=False))


# ------------------------------------------------------------------------------ per-respondent exports


def test_export_is_tabulated_into_the_published_tables(tmp_path):
    data = load_dataset(make_export_dataset(tmp_path / "small"))
    assert data.kind == "export" and data.respondents == 4
    # Q3 by hand: row 1 Growth+Decline, row 2 Growth, row 3 Not certain, row 4 blank.
    assert tally(data, "Q3") == {"Growth": 2, "Not certain, we do not have data": 1, "Decline": 1}
    assert set(data.counts.loc[data.counts["question_id"] == "Q3", "base"]) == {3}
    assert tally(data, "Q4") == {"Yes": 3, "No": 1}
    assert dict(zip(data.institutions["institution"], data.institutions["submissions"], strict=False)) == {
        "Alpha University": 2,
        "Beta College": 1,
        "Gamma Ltd": 1,
    }
    q2 = data.open_responses[data.open_responses["question_id"] == "Q2"]
    assert list(q2["response_id"]) == ["1", "3", "4"]  # the blank answer of row 2 is no response


def test_google_forms_separator_keeps_labels_with_commas_whole(tmp_path):
    rows = [r.replace("Growth;Decline;", '"Growth, Decline"').replace(";", "") for r in ROWS]
    folder = make_export_dataset(tmp_path / "google", rows=rows)
    data = load_dataset(folder, separator=", ")
    assert tally(data, "Q3") == {"Growth": 2, "Not certain, we do not have data": 1, "Decline": 1}


def test_split_choices_matches_labels_containing_the_separator():
    options = ("Growth", "Not certain, we do not have data", "Decline")
    assert split_choices("Decline, Not certain, we do not have data", options, ", ") == [
        "Not certain, we do not have data",
        "Decline",
    ]
    assert split_choices("Growth;Unknown;", options, ";") == ["Growth", "?Unknown"]


def test_utf8_with_byte_order_mark_is_read(tmp_path):
    folder = make_export_dataset(tmp_path / "bom", encoding="utf-8-sig")
    data = load_dataset(folder)
    assert data.respondents == 4 and "response_id" in data.responses.columns


def test_cp1252_export_is_read_correctly(tmp_path):
    rows = [ROWS[0].replace("Short course", "Short course \u2013 \u2018cert\u2019 caf\u00e9"), *ROWS[1:]]
    folder = make_export_dataset(tmp_path / "cp1252", rows=rows, encoding="cp1252")
    data = load_dataset(folder)
    assert data.open_responses.iloc[0]["text"] == "Short course \u2013 \u2018cert\u2019 caf\u00e9"


def test_xlsx_with_title_rows_above_the_header(tmp_path):
    folder = tmp_path / "xlsx"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(SMALL_QUESTIONNAIRE, encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Micro-credentials survey - responses"])
    sheet.append(["Exported 4 January 2025"])
    sheet.append([])
    for record in csv.reader([HEADER, *ROWS]):
        sheet.append(record)
    book.save(folder / "export.xlsx")
    data = load_dataset(folder)
    assert data.respondents == 4
    assert tally(data, "Q3") == {"Growth": 2, "Not certain, we do not have data": 1, "Decline": 1}


# ---------------------------------------------------------------------------------------- bad input


def test_export_with_unknown_option_names_row_question_and_value(tmp_path):
    rows = [*ROWS[:2], ROWS[2].replace("Not certain, we do not have data;", "Boom;"), ROWS[3]]
    with pytest.raises(DataError) as error:
        load_dataset(make_export_dataset(tmp_path / "unknown", rows=rows))
    message = str(error.value)
    assert "export.csv" in message and "row 4, question Q3" in message and "'Boom'" in message
    assert "Growth" in message  # says what was expected


def test_export_with_more_choices_than_allowed(tmp_path):
    rows = [
        ROWS[0].replace("Growth;Decline;", '"Growth;Decline;Not certain, we do not have data"'),
        *ROWS[1:],
    ]
    with pytest.raises(
        DataError, match=r"row 2, question Q3: 3 options chosen, but the question allows at most 2"
    ):
        load_dataset(make_export_dataset(tmp_path / "toomany", rows=rows))


def test_export_single_choice_with_unknown_answer(tmp_path):
    rows = [*ROWS[:3], ROWS[3].replace(",Yes", ",Maybe")]
    with pytest.raises(
        DataError, match=r"row 5, question Q4: unknown option 'Maybe'.*Options of Q4: Yes; No."
    ):
        load_dataset(make_export_dataset(tmp_path / "maybe", rows=rows))


def test_export_with_missing_and_extra_columns(tmp_path):
    header = HEADER.replace("Do you agree?", "Favourite colour")
    with pytest.raises(DataError) as error:
        load_dataset(make_export_dataset(tmp_path / "columns", header=header))
    message = str(error.value)
    assert "no column for question(s) Q4" in message and "unexpected column(s) 'Favourite colour'" in message


def test_export_with_duplicate_response_ids(tmp_path):
    rows = [*ROWS[:3], "3" + ROWS[3][1:]]
    with pytest.raises(DataError, match=r"row 5, column response_id: duplicate response id '3'"):
        load_dataset(make_export_dataset(tmp_path / "dupid", rows=rows))


def test_empty_export_file(tmp_path):
    folder = make_export_dataset(tmp_path / "empty")
    (folder / "export.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"export.csv: the file is empty"):
        load_dataset(folder)


def test_export_with_only_a_header(tmp_path):
    with pytest.raises(DataError, match=r"export.csv: the file has a header but no data rows"):
        load_dataset(make_export_dataset(tmp_path / "header", rows=[]))


def test_undecodable_file_names_the_byte(tmp_path):
    folder = make_export_dataset(tmp_path / "binary")
    (folder / "export.csv").write_bytes(HEADER.encode() + b"\n1,\x81\x8d\x90,x\n")
    with pytest.raises(
        DataError, match=r"export.csv: cannot decode the file: not UTF-8 .*\(byte 0x81 at offset 131\)"
    ):
        load_dataset(folder)


def test_export_with_many_bad_cells_reports_count_and_first_rows(tmp_path):
    rows = [f"{i},t,t,a,,Alpha University,x,Growth;Boom;,Yes" for i in range(1, 101)]
    with pytest.raises(DataError) as error:
        load_dataset(make_export_dataset(tmp_path / "many", rows=rows))
    message = str(error.value)
    assert message.count("unknown option 'Boom'") == 5
    assert "100 problems" in message and "row 2, question Q3" in message and "and 95 more" in message


# ------------------------------------------------------------------------------ published tables, bad


def edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_counts_missing_a_column(dataset_copy):
    frame = pd.read_csv(dataset_copy / "counts.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=["status"]).to_csv(dataset_copy / "counts.csv", index=False)
    with pytest.raises(DataError, match=r"counts.csv: missing column\(s\) status; expected exactly"):
        load_dataset(dataset_copy)


def test_counts_with_an_extra_column(dataset_copy):
    frame = pd.read_csv(dataset_copy / "counts.csv", dtype=str, keep_default_na=False)
    frame.assign(notes="").to_csv(dataset_copy / "counts.csv", index=False)
    with pytest.raises(DataError, match=r"counts.csv: unexpected column\(s\) notes"):
        load_dataset(dataset_copy)


def test_counts_with_unknown_question_id(dataset_copy):
    edit_csv(dataset_copy / "counts.csv", "Q3,Other,0", "Q99,Other,0")
    with pytest.raises(
        DataError, match=r"counts.csv: .*row 9, column question_id: question_id must be a closed"
    ):
        load_dataset(dataset_copy)


def test_counts_with_unknown_option(dataset_copy):
    edit_csv(dataset_copy / "counts.csv", "Q3,Other,0", "Q3,Otherwise,0")
    with pytest.raises(DataError) as error:
        load_dataset(dataset_copy)
    message = str(error.value)
    assert (
        "row 9 (question_id='Q3', option='Otherwise'): option is not one of the question's options" in message
    )


@pytest.mark.parametrize("bad", ["-1", "2.5", "many"])
def test_counts_negative_or_not_whole(dataset_copy, bad):
    edit_csv(dataset_copy / "counts.csv", "Q3,Other,0", f"Q3,Other,{bad}")
    with pytest.raises(
        DataError, match=rf"row 9, column count: count must be a whole number .* found '{bad}'"
    ):
        load_dataset(dataset_copy)


def test_count_above_the_number_of_respondents(dataset_copy):
    edit_csv(dataset_copy / "counts.csv", "Q3,Other,0", "Q3,Other,30")
    with pytest.raises(
        DataError, match=r"row 9, column count: count cannot exceed the 23 respondents, found '30'"
    ):
        load_dataset(dataset_copy)


def test_open_responses_with_duplicate_response_id(dataset_copy):
    edit_csv(dataset_copy / "open_responses.csv", "Q2,2,N/A", "Q2,1,N/A")
    with pytest.raises(
        DataError,
        match=r"open_responses.csv: 1 problem: row 3 \(question_id='Q2', response_id='1'\): "
        r"duplicate response_id within the question",
    ):
        load_dataset(dataset_copy)


def test_questionnaire_with_a_duplicate_option(tmp_path):
    path = tmp_path / "questionnaire.yaml"
    path.write_text(SMALL_QUESTIONNAIRE.replace("      - Decline", "      - Growth"), encoding="utf-8")
    with pytest.raises(DataError, match=r"questionnaire.yaml, question Q3: duplicate option 'Growth'"):
        load_questionnaire(path)


def test_empty_counts_file(dataset_copy):
    (dataset_copy / "counts.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"counts.csv: the file is empty"):
        load_dataset(dataset_copy)


def test_counts_with_only_a_header(dataset_copy):
    (dataset_copy / "counts.csv").write_text("question_id,option,count,status,source\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"counts.csv: the file has a header but no data rows"):
        load_dataset(dataset_copy)


def test_missing_folder_and_missing_questionnaire(tmp_path):
    with pytest.raises(DataError, match="dataset folder not found"):
        load_dataset(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="questionnaire.yaml: questionnaire file not found"):
        load_dataset(tmp_path / "empty")


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_nothing_is_written_when_validation_fails(dataset_copy, tmp_path):
    edit_csv(dataset_copy / "counts.csv", "Q3,Other,0", "Q3,Other,-1")
    before = folder_digest(dataset_copy)
    output = tmp_path / "processed"
    with pytest.raises(DataError):
        clean_dataset_to(dataset_copy, output)
    assert not output.exists()
    assert folder_digest(dataset_copy) == before


def test_a_failed_rerun_keeps_the_previous_good_output(dataset_copy, tmp_path):
    output = tmp_path / "processed"
    clean_dataset_to(dataset_copy, output)
    good = folder_digest(output)
    edit_csv(dataset_copy / "open_responses.csv", "Q2,2,N/A", "Q2,1,N/A")
    with pytest.raises(DataError):
        clean_dataset_to(dataset_copy, output)
    assert folder_digest(output) == good
    assert not [p for p in output.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_read_export_directly_with_a_questionnaire(tmp_path):
    folder = make_export_dataset(tmp_path / "direct")
    questionnaire = load_questionnaire(folder / "questionnaire.yaml")
    responses = read_export(folder / "export.csv", questionnaire)
    tables = tabulate_export(responses, questionnaire)
    assert list(responses.columns) == ["response_id", "Q1", "Q2", "Q3", "Q4"]
    assert tables["counts"]["count"].sum() == 4 + 4  # 4 selections in Q3, 4 answers in Q4
    shutil.rmtree(folder)
