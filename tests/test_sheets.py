"""Coding sheets: written with data validation and the codebook, filled by a person, read back as a
coded sample (round trip), and their bad marks named by row and column."""

import openpyxl
import pandas as pd
import pytest

from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import parse_codebook
from zqf_analysis.themes.sheets import read_coding_sheet, write_coding_sheet

CODEBOOK = parse_codebook(
    {
        "codes": [
            {"code": "price", "label": "Price", "definition": "Too expensive.", "indicators": ["expens*"]},
            {"code": "taste", "label": "Taste", "definition": "Tastes bad.", "indicators": ["sour"]},
        ]
    }
)
ANSWERS = pd.DataFrame(
    {"response_id": ["1", "2", "3", "4"], "text": ["Too expensive", "=cmd|' /C calc'!A0", "Sour and dear", "ok"]}
)


def _fill(path, marks):
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["coding"]
    headers = [c.value for c in sheet[1]]
    for row, values in marks.items():
        for column, value in values.items():
            sheet.cell(row=row, column=headers.index(column) + 1, value=value)
    workbook.save(path)


def test_the_sheet_has_one_row_per_answer_validation_and_the_codebook(tmp_path):
    path = write_coding_sheet(tmp_path / "coding.xlsx", ANSWERS, CODEBOOK)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["coding"]
    assert [c.value for c in sheet[1]] == ["response_id", "text", "price", "taste", "no_code", "primary", "note"]
    assert [sheet.cell(row=r, column=1).value for r in range(2, 6)] == ["1", "2", "3", "4"]
    # a respondent's formula-looking text stays text
    assert sheet.cell(row=3, column=2).value == "=cmd|' /C calc'!A0" and sheet.cell(row=3, column=2).data_type == "s"
    rules = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert rules == {"C2:C5 D2:D5 E2:E5": '"1,0"', "F2:F5": "=codebook!$A$2:$A$3"}
    book = workbook["codebook"]
    assert [c.value for c in book[2]][:3] == ["price", "Price", "Too expensive."]
    assert write_coding_sheet(tmp_path / "again.xlsx", ANSWERS, CODEBOOK).read_bytes() == path.read_bytes()


def test_round_trip_gives_the_coded_sample(tmp_path):
    path = write_coding_sheet(tmp_path / "coding.xlsx", ANSWERS, CODEBOOK)
    _fill(path, {2: {"price": 1}, 3: {"no_code": "x"}, 4: {"price": 1, "taste": 1, "primary": "taste"}})
    sample, not_coded = read_coding_sheet(path)
    assert not_coded == 1  # answer 4: nothing marked, not coded yet
    assert sample.to_dict("records") == [
        {"response_id": "1", "codes": "price", "text": "Too expensive"},
        {"response_id": "2", "codes": "", "text": "=cmd|' /C calc'!A0"},
        {"response_id": "3", "codes": "taste|price", "text": "Sour and dear"},
    ]


@pytest.mark.parametrize(
    "marks, message",
    [
        ({2: {"price": "maybe"}}, "row 2, column price: mark 'maybe': expected 1"),
        ({2: {"price": 1, "no_code": 1}}, "row 2: no_code is marked beside code"),
        ({2: {"price": 1, "primary": "taste"}}, "row 2, column primary: primary 'taste' is not marked"),
        ({2: {"price": 1, "primary": "cost"}}, "primary 'cost' is not a code"),
    ],
)
def test_bad_marks_are_named(tmp_path, marks, message):
    path = write_coding_sheet(tmp_path / "coding.xlsx", ANSWERS, CODEBOOK)
    _fill(path, marks)
    with pytest.raises(DataError, match=message):
        read_coding_sheet(path)


def test_not_a_coding_sheet(tmp_path):
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(DataError, match="no sheet named 'coding'"):
        read_coding_sheet(other)
    text = tmp_path / "text.xlsx"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(DataError, match="not an Excel workbook"):
        read_coding_sheet(text)
