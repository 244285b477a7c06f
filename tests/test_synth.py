"""The synthetic export generator: seeded, true to the questionnaire, readable by the loader."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from zqf_analysis.data import synth
from zqf_analysis.data.export import read_export
from zqf_analysis.data.load import load_dataset
from zqf_analysis.data.questionnaire import load_questionnaire
from zqf_analysis.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "synthetic-export"
GOOGLE_FIXTURE = ROOT / "tests" / "fixtures" / "synthetic-export-google"


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire(ROOT / "data" / "raw" / "zaqa-2024" / "questionnaire.yaml")


def test_same_seed_same_answers_other_seed_other_answers(questionnaire):
    first = synth.synthetic_export(questionnaire, 200, seed=11)
    again = synth.synthetic_export(questionnaire, 200, seed=11)
    other = synth.synthetic_export(questionnaire, 200, seed=12)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_microsoft_layout_columns_and_trailing_separator(questionnaire):
    frame = synth.synthetic_export(questionnaire, 30, seed=1)
    assert list(frame.columns[:5]) == ["ID", "Start time", "Completion time", "Email", "Name"]
    assert len(frame.columns) == 5 + 14  # one column per question of the ZAQA form
    assert list(frame["ID"]) == [str(i) for i in range(1, 31)]
    q3 = frame[synth._header(questionnaire["Q3"])]
    assert all(cell.endswith(";") for cell in q3 if cell)  # "A;B;" as Microsoft Forms writes it


def test_google_layout_has_a_timestamp_and_no_trailing_separator(questionnaire):
    frame = synth.synthetic_export(questionnaire, 30, seed=1, style="google")
    assert frame.columns[0] == "Timestamp" and "ID" not in frame.columns
    q4 = frame[synth._header(questionnaire["Q4"])]
    assert not any(cell.endswith(",") or cell.endswith(";") for cell in q4)


def test_answers_respect_types_options_and_max_choices(questionnaire):
    answers = synth.generate_answers(questionnaire, 5000, seed=3)
    q3 = answers["Q3"]
    assert q3.shape == (5000, 8)
    assert q3.sum(axis=1).max() == 3  # "You can select up to 3": reached, never exceeded
    q11 = answers["Q11"]
    assert set(q11.tolist()) <= set(range(-1, 5))  # five options, -1 for a blank
    for question in questionnaire.of_type("multi"):
        assert answers[question.id].shape[1] == len(question.options)
    assert set(answers["Q1"]) == {name for name, _ in synth.INSTITUTIONS}
    assert set(answers["Q8"]) <= set(synth.OPEN_TEXT_BANK) | {""} | {
        f"{a} {b}" for a in synth.OPEN_TEXT_BANK for b in synth.OPEN_TEXT_BANK
    }


def test_blanks_are_present_but_rare_for_closed_questions(questionnaire):
    frame = synth.synthetic_export(questionnaire, 2000, seed=5)
    q11 = frame[synth._header(questionnaire["Q11"])]
    q8 = frame[synth._header(questionnaire["Q8"])]
    assert 0 < (q11 == "").sum() < 200  # about 3%
    assert 400 < (q8 == "").sum() < 800  # about 30% of open answers left blank


def test_open_text_is_invented_not_the_real_respondents_words(questionnaire):
    real = pd.read_csv(
        ROOT / "data" / "raw" / "zaqa-2024" / "open_responses.csv", dtype=str, keep_default_na=False
    )["text"]
    substantive = synth.OPEN_TEXT_BANK[: synth.OPEN_TEXT_BANK.index("N/A")]
    assert not any(sentence in text for sentence in substantive for text in real)
    # Only the generic non-answers ("N/A", "NIL", "None") may coincide with what real people typed.
    assert set(real) & set(synth.OPEN_TEXT_BANK) <= {"N/A", "NIL", "None", "I don't know"}


def test_fixture_is_exactly_what_its_readme_command_makes(tmp_path, questionnaire):
    for style, folder in (("microsoft", FIXTURE), ("google", GOOGLE_FIXTURE)):
        out = tmp_path / f"{style}.csv"
        assert synth.main(["--respondents", "40", "--seed", "2024", "--style", style, "--out", str(out)]) == 0
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        assert digest == hashlib.sha256((folder / "export.csv").read_bytes()).hexdigest(), folder
    assert "SYNTHETIC" in (FIXTURE / "README.md").read_text(encoding="utf-8")
    assert "--seed 2024" in (FIXTURE / "README.md").read_text(encoding="utf-8")


def test_fixture_loads_with_40_submissions_and_both_layouts_agree():
    microsoft = load_dataset(FIXTURE)
    google = load_dataset(GOOGLE_FIXTURE)
    assert microsoft.kind == "export" and microsoft.respondents == 40 and google.respondents == 40
    pd.testing.assert_frame_equal(microsoft.counts, google.counts)
    assert int(microsoft.institutions["submissions"].sum()) == 40
    mapped = set(microsoft.institution_map["institution"])
    assert set(microsoft.institutions["institution"]) <= mapped


def test_xlsx_with_title_rows_reads_back_like_the_csv(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 60, seed=9)
    synth.write_export(frame, tmp_path / "export.csv")
    synth.write_export(frame, tmp_path / "export.xlsx", title_rows=("Survey responses", "Exported today"))
    from_csv = read_export(tmp_path / "export.csv", questionnaire)
    from_xlsx = read_export(tmp_path / "export.xlsx", questionnaire)
    pd.testing.assert_frame_equal(from_csv, from_xlsx, check_dtype=False)


def test_cp1252_and_bom_encodings_are_written_as_asked(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 40, seed=2024)
    synth.write_export(frame, tmp_path / "bom.csv", encoding="utf-8-sig")
    synth.write_export(frame, tmp_path / "win.csv", encoding="cp1252")
    assert (tmp_path / "bom.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert b"caf\xe9" in (tmp_path / "win.csv").read_bytes()  # é as one Windows-1252 byte


def test_injected_bad_cells_are_reported_with_their_rows(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 300, seed=4)
    broken, bad = synth.inject_bad_cells(frame, questionnaire, 6, seed=4)
    assert len(bad) == 6 and {c.kind for c in bad} == {"unknown_option", "too_many_choices"}
    synth.write_export(broken, tmp_path / "export.csv")
    with pytest.raises(DataError) as error:
        read_export(tmp_path / "export.csv", questionnaire)
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'export.csv'}: 6 problems: ")
    q3 = [c for c in bad if c.question_id == "Q3"]
    # The CSV header is row 1, so the data row at position p is file row p + 2.
    assert f"row {q3[0].position + 2}, question Q3" in message
    assert "4 options chosen, but the question allows at most 3" in message


def test_cli_writes_xlsx_and_bad_cells(tmp_path):
    out = tmp_path / "export"
    assert synth.main(["--respondents", "25", "--seed", "1", "--out", str(out), "--format", "xlsx"]) == 0
    assert (tmp_path / "export.xlsx").is_file()
    bad = tmp_path / "bad.csv"
    assert synth.main(["--respondents", "25", "--seed", "1", "--out", str(bad), "--bad-cells", "3"]) == 0
    with pytest.raises(DataError, match="3 problems"):
        read_export(bad, load_questionnaire(FIXTURE / "questionnaire.yaml"))
