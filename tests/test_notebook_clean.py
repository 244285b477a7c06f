"""01_clean.ipynb as `make report` runs it, on the synthetic export and the real dataset: the processed
tables it writes and what its page says, in numbers a person can count in the raw files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from page_reading import export_column, page_tables, processed_of

from zqf_analysis.data.load import load_dataset

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "tests" / "fixtures" / "synthetic-export"


@pytest.mark.slow
def test_01_clean_on_the_synthetic_export(synthetic_report):
    processed = processed_of(synthetic_report)
    counts = pd.read_csv(processed / "closed_counts.csv")
    institutions = pd.read_csv(processed / "institutions.csv")
    answers = pd.read_csv(processed / "open_responses.csv", dtype=str, keep_default_na=False)
    data = load_dataset(SYNTHETIC)
    assert institutions["submissions"].sum() == data.respondents == len(pd.read_csv(SYNTHETIC / "export.csv")) == 40
    # Q11 is single choice: its counts add up to the submissions that answered it (its base).
    q11 = counts[counts["question_id"] == "Q11"]
    assert q11["count"].sum() == q11["base"].iloc[0] <= data.respondents
    assert set(counts["status"]) == {"tabulated"}
    assert set(answers["question_id"]) == {"Q2", "Q8", "Q13"}
    assert "[email]" in " ".join(answers["clean_text"]) and "@" not in " ".join(answers["clean_text"])

    tables = page_tables((synthetic_report / "01_clean.html").read_text(encoding="utf-8"))
    assert dict(tables["Validated dataset"][1:])["Respondents (submissions)"] == "40"
    # counted in export.csv: the written cells of each open question, and among them the fixture's
    # non-substantive answers (its README: N/A, NIL, I don't know)
    expected = [["question_id", "answers", "substantive"]]
    for number in (2, 8, 13):
        written = [cell for cell in export_column(SYNTHETIC / "export.csv", number) if cell]
        empty = [cell for cell in written if cell in ("N/A", "NIL", "I don't know")]
        expected.append([f"Q{number}", str(len(written)), str(len(written) - len(empty))])
    assert [row[:3] for row in tables["Free-text answers"]] == expected == [
        ["question_id", "answers", "substantive"],
        ["Q2", "24", "21"],
        ["Q8", "28", "25"],
        ["Q13", "28", "25"],
    ]


@pytest.mark.slow
def test_01_clean_page_of_the_real_dataset(zaqa_report):
    tables = page_tables((zaqa_report / "01_clean.html").read_text(encoding="utf-8"))
    summary = dict(tables["Validated dataset"][1:])
    assert (summary["Respondents (submissions)"], summary["Institutions"]) == ("23", "19")
    assert tables["Free-text answers"] == [
        ["question_id", "answers", "substantive", "repeated"],
        ["Q2", "14", "11", "0"],  # "Short Courses" twice: a short common answer, not a double submission
        ["Q8", "23", "23", "0"],  # "Training Equipment is inadequate", "Recognition": short, common
        ["Q13", "18", "17", "1"],  # the 31-word ICAO answer printed twice: a likely double submission
    ]
    # the four answers a reader finds saying nothing: Q2 N/A, "| don't know" (the OCR's I), NIL; Q13 None
    flagged = tables["Non-substantive and repeated answers (kept, flagged; cleaned text)"]
    left_out = [row[:3] for row in flagged[1:] if row[3] == "False"]
    assert left_out == [["Q2", "2", "N/A"], ["Q2", "8", "I don't know"], ["Q2", "10", "NIL"], ["Q13", "18", "None"]]
    kinds = dict(tables["3 answer(s) changed by cleaning, by kind (an answer may have several)"][1:])
    # Q2 8 "| don’t know" (quotes and the OCR's I), Q8 7 in capitals, Q13 2 with typographic quotes
    assert kinds == {"white space": "0", "case (SHOUTED answers)": "1",
                     "redaction (e-mail, phone, ID number, name)": "0",
                     "OCR (a lone | read as I)": "1", "characters (quotes, Unicode)": "2"}
    examples = next(rows for caption, rows in tables.items() if caption.startswith("Examples: up to 3 per kind"))
    ocr = ["OCR (a lone | read as I)", "Q2", "8", "| don’t know", "I don't know", "quotes, a lone | read as I"]
    assert ocr in examples
    assert any(row[:3] == ["case (SHOUTED answers)", "Q8", "7"] and row[5] == "capitals" for row in examples)


def test_clean_command_line_reports_bad_input_and_exits_2(dataset_copy, tmp_path):
    (dataset_copy / "institutions.csv").write_text("institution,submissions,source\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zqf_analysis",
            "clean",
            "--dataset",
            str(dataset_copy),
            "--output",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "institutions.csv: the file has a header but no data rows" in result.stderr
    assert not (tmp_path / "o").exists()
