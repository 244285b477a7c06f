"""tables.xlsx: a sheet per question and the audit, text never turned into formulas, stable bytes."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from zqf_analysis.data.questionnaire import parse_questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.report import excel


def _sheets():
    questionnaire = parse_questionnaire(
        {"questions": [{"id": "Q1", "type": "single", "text": "Position?", "options": ["Agree", "=1+1"]}]}
    )
    summary = pd.DataFrame(
        {
            "question_id": ["Q1", "Q1"],
            "option": ["Agree", "=1+1"],
            "count": pd.array([20, None], dtype="Int64"),
            "base": [23, 23],
            "share": [20 / 23, float("nan")],
            "ci_low": [0.6787, float("nan")],
            "ci_high": [0.9546, float("nan")],
            "status": ["legible", "missing"],
        }
    )
    audit = pd.DataFrame(
        [
            {
                "claim_id": "C1",
                "location": "Box",
                "claim": '=HYPERLINK("http://x")',
                "stated": "63%",
                "recomputed": "60.9%",
                "verdict": "disagrees",
                "reason": "r",
            }
        ]
    )
    return excel.describe_sheets(summary, questionnaire, {"Q1": ["Base: 23 respondents."]}, audit)


def test_sheets_hold_numbers_and_missing_counts_as_words(tmp_path):
    path = excel.write_workbook(tmp_path / "tables.xlsx", _sheets())
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Q1", "audit"]
    sheet = workbook["Q1"]
    assert sheet["A1"].value == "Q1. Position?" and sheet["A2"].value == "Base: 23 respondents."
    assert [c.value for c in sheet[4]] == ["option", "count", "base", "share", "ci_low", "ci_high", "status"]
    assert [c.value for c in sheet[5]][:4] == ["Agree", 20, 23, pytest.approx(20 / 23)]
    assert sheet["D5"].number_format == "0.0%"
    assert sheet["B6"].value == "not legible in source" and sheet["D6"].value is None


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = excel.write_workbook(tmp_path / "tables.xlsx", _sheets())
    workbook = openpyxl.load_workbook(path)
    assert workbook["Q1"]["A6"].value == "=1+1" and workbook["Q1"]["A6"].data_type == "s"
    claim = workbook["audit"]["C5"]
    assert claim.value == '=HYPERLINK("http://x")' and claim.data_type == "s"
    assert workbook["audit"]["F5"].fill.fgColor.rgb.endswith("F8D7DA")  # a disagreement is shaded


def test_the_workbook_bytes_are_the_same_on_every_run():
    assert excel.workbook_bytes(_sheets()) == excel.workbook_bytes(_sheets())


def test_sheet_names_are_valid_and_unique():
    assert excel.sheet_name("a" * 40, set()) == "a" * 31
    assert excel.sheet_name("Q1", {"q1"}) == "Q1 (2)"
    with pytest.raises(DataError):
        excel.build_workbook([])
