"""Exports as the real tools write them load with exactly the counts put in, or stop with a short error.

Each export is built here the way its tool writes it (openpyxl for a workbook, bytes for a CSV), from
what public exports and the tools' documentation show (recorded in issue 11 and in the docstrings of
``zqf_analysis.data.columns``, ``.choices`` and ``.detect``):

- Microsoft Forms, "Open in Excel": a workbook whose first row is ``ID, Start time, Completion time,
  Email, Name`` (``Last modified time`` once a response was edited), then one column per question headed
  by its wording, in the form owner's language; a quiz adds ``Total points, Quiz feedback`` and per
  question ``Points - <question>, Feedback - <question>``. Choices of a multi-select question are joined
  by ``;`` with a trailing ``;``; a ranking is written the same way in rank order; a Likert question is
  one column per statement. The text typed for "Other" stands in the cell in place of the word.
- Google Forms: ``Timestamp`` then ``Email Address`` (French ``Horodateur, Adresse e-mail``, Portuguese
  ``Carimbo de data/hora, Endereço de e-mail``, as public code reading such sheets shows); checkboxes
  joined by ``", "`` in the linked Sheet, by ``;`` in Forms' own "Download responses (.csv)"; a grid is
  one column per row, headed ``Question [Row]``.
- Excel: "CSV" in a European locale puts ``;`` between fields (Windows-1252 text, CRLF line ends);
  "Unicode Text" is UTF-16 little-endian with a byte-order mark and tabs between fields.

Every count asserted here can be checked by reading the rows above it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from zqf_analysis.data.load import load_dataset
from zqf_analysis.errors import DataError

# ----------------------------------------------------------------------------------------- helpers

QUESTIONNAIRE = """\
survey: Test survey of exports as the tools write them
questions:
  - id: Q1
    type: institution
    text: Your institution
  - id: Q2
    type: single
    text: Do you offer micro-credentials?
    options: ["Yes", "No", "{other}"]
  - id: Q3
    type: multi
    text: Which forms do they take?
    options: [Badges, Short courses, "Not certain, we do not have data", "{other}"]
  - id: Q4
    type: open
    text: What is a micro-credential?
"""


def write_dataset(
    folder: Path, export_name: str = "export.xlsx", data: bytes | None = None, questionnaire: str = "", **fmt
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = questionnaire or QUESTIONNAIRE.format(other=fmt.pop("other", "Other"))
    (folder / "questionnaire.yaml").write_text(text, encoding="utf-8")
    if data is not None:
        (folder / export_name).write_bytes(data)
    return folder


def workbook(path: Path, rows: list[list[object]]) -> None:
    """A workbook as Microsoft Forms' "Open in Excel" writes it: one sheet, header in row 1, numbers
    as numbers, times as dates, blank answers as empty cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)


def csv_bytes(rows: list[list[object]], delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue().encode(encoding)


def tally(data, question_id: str) -> dict:
    rows = data.counts[data.counts["question_id"] == question_id]
    return dict(zip(rows["option"], rows["count"].astype(int), strict=True))


def write_ins(data, question_id: str) -> list[tuple[str, str]]:
    rows = data.open_responses[data.open_responses["question_id"] == f"{question_id}_other"]
    return list(zip(rows["response_id"], rows["text"], strict=True))


T0 = dt.datetime(2025, 1, 6, 9, 0, 0)
MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name"]
QUESTIONS = [
    "Your institution",
    "Do you offer micro-credentials?",
    "Which forms do they take?",
    "What is a micro-credential?",
]
ANSWERS = [
    # Q2 has a write-in in row 3; Q3 a write-in holding the separator in row 2, one holding ', ' in row 4.
    ["Alpha University", "Yes", "Badges;Short courses;", "A short course with a certificate"],
    ["Beta College", "No", "Badges;Mentoring; coaching on the job;", ""],
    ["Alpha University", "We plan to next year", "Not certain, we do not have data;", "N/A"],
    ["Gamma Ltd", "Yes", "Short courses;Workshops, seminars;", "Stackable units"],
    ["Delta Institute", "", "", ""],
]


def ms_rows(header_meta=MS_HEADER, people=("anonymous", ""), extra=None) -> list[list[object]]:
    rows = [[*header_meta, *QUESTIONS, *(extra or {}).keys()]]
    for n, answer in enumerate(ANSWERS, start=1):
        meta = [n, T0 + dt.timedelta(hours=n), T0 + dt.timedelta(hours=n, minutes=7), *people]
        meta += [""] * (len(header_meta) - len(meta))
        rows.append([*meta, *answer, *(values[n - 1] for values in (extra or {}).values())])
    return rows


def check_ms_counts(data) -> None:
    """The counts of ANSWERS, by hand: Q2 Yes rows 1 and 4, No row 2, Other (typed) row 3, blank row 5;
    Q3 Badges rows 1-2, Short courses rows 1 and 4, Not certain row 3, Other (typed) rows 2 and 4."""
    assert data.respondents == 5
    assert tally(data, "Q2") == {"Yes": 2, "No": 1, "Other": 1}
    assert tally(data, "Q3") == {"Badges": 2, "Short courses": 2, "Not certain, we do not have data": 1, "Other": 2}
    bases = data.counts.groupby("question_id")["base"].first().to_dict()
    assert bases == {"Q2": 4, "Q3": 4}
    assert write_ins(data, "Q2") == [("3", "We plan to next year")]
    assert write_ins(data, "Q3") == [("2", "Mentoring; coaching on the job"), ("4", "Workshops, seminars")]
    typed = data.counts.set_index(["question_id", "option"])["write_ins"]
    assert typed[("Q2", "Other")] == 1 and typed[("Q3", "Other")] == 2 and typed.isna().sum() == 5


# ------------------------------------------------------------------------------------ Microsoft Forms


def test_microsoft_forms_workbook_with_write_ins(tmp_path):
    folder = write_dataset(tmp_path / "ms")
    workbook(folder / "export.xlsx", ms_rows())
    data = load_dataset(folder)
    check_ms_counts(data)
    assert "Email" not in data.responses.columns and "Name" not in data.responses.columns
    q4 = data.open_responses[data.open_responses["question_id"] == "Q4"]
    assert list(q4["response_id"]) == ["1", "3", "4"]
    # write-ins follow their question in the form's order, before the next open question
    assert list(dict.fromkeys(data.open_responses["question_id"])) == ["Q2_other", "Q3_other", "Q4"]


def test_microsoft_forms_quiz_columns_and_last_modified_time(tmp_path):
    folder = write_dataset(tmp_path / "quiz")
    header = [*MS_HEADER, "Last modified time", "Total points", "Quiz feedback"]
    extra = {
        "Points - Do you offer micro-credentials?": [1, 0, 0, 1, 0],
        "Feedback - Do you offer micro-credentials?": ["", "", "See the guide", "", ""],
    }
    workbook(folder / "export.xlsx", ms_rows(header, ("someone@example.org", "Some One"), extra))
    data = load_dataset(folder)
    check_ms_counts(data)
    assert not any("example.org" in str(v) for v in data.responses.to_numpy().ravel())  # e-mails never kept


@pytest.mark.parametrize(
    ("language", "header", "other"),
    [
        ("fr", ["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom"], "Autre"),
        ("pt", ["ID", "Hora de início", "Hora de conclusão", "Email", "Nome"], "Outro"),
    ],
)
def test_microsoft_forms_in_french_and_portuguese(tmp_path, language, header, other):
    folder = write_dataset(tmp_path / language, other=other)
    quiz = {"fr": ["Total des points", "Commentaires sur le questionnaire"], "pt": ["Total de pontos"]}[language]
    extra = {f"{'Points' if language == 'fr' else 'Pontos'} - What is a micro-credential?": [0, 0, 0, 0, 0]}
    workbook(folder / "export.xlsx", ms_rows([*header, *quiz], extra=extra))
    data = load_dataset(folder)
    assert tally(data, "Q2") == {"Yes": 2, "No": 1, other: 1}
    assert write_ins(data, "Q3") == [("2", "Mentoring; coaching on the job"), ("4", "Workshops, seminars")]


def test_a_question_without_other_still_refuses_an_unknown_answer(tmp_path):
    folder = write_dataset(tmp_path / "strict", questionnaire=QUESTIONNAIRE.replace(', "{other}"]', "]"))
    workbook(folder / "export.xlsx", ms_rows())
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "row 4, question Q2: unknown option 'We plan to next year'" in message
    assert "row 3, question Q3: unknown option 'Mentoring; coaching on the job'" in message


def test_ranking_and_a_likert_grid(tmp_path):
    """A ranking cell is the options in rank order, ';'-joined with a trailing ';'; a Likert question
    is one column per statement, each answered on the same ordered scale."""
    questionnaire = """\
questions:
  - id: R1
    type: ranking
    text: Rank the barriers
    options: [Cost, Recognition, Access]
  - id: L1
    type: scale
    group: Agreement
    text: Micro-credentials help learners
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
  - id: L2
    type: scale
    group: Agreement
    text: Employers value micro-credentials
    options: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
"""
    folder = write_dataset(tmp_path / "rank", questionnaire=questionnaire)
    rows = [
        [*MS_HEADER, "Rank the barriers", "Micro-credentials help learners", "Employers value micro-credentials"],
        [1, T0, T0, "anonymous", "", "Cost;Recognition;Access;", "Agree", "Neutral"],
        [2, T0, T0, "anonymous", "", "Recognition;Cost;Access;", "Strongly agree", "Disagree"],
        [3, T0, T0, "anonymous", "", "Cost;Access;Recognition;", "Agree", ""],
        [4, T0, T0, "anonymous", "", "", "Disagree", "Agree"],
    ]
    workbook(folder / "export.xlsx", rows)
    data = load_dataset(folder)
    assert tally(data, "R1") == {"Cost": 2, "Recognition": 1, "Access": 0}  # first choices of 3 rankings
    ranks = data.rankings.set_index(["option", "rank"])["count"].to_dict()
    assert ranks[("Cost", 1)] == 2 and ranks[("Cost", 2)] == 1 and ranks[("Access", 3)] == 2
    assert ranks[("Recognition", 2)] == 1 and ranks[("Recognition", 3)] == 1 and len(ranks) == 9
    assert tally(data, "L1") == {"Strongly disagree": 0, "Disagree": 1, "Neutral": 0, "Agree": 2, "Strongly agree": 1}
    assert tally(data, "L2")["Neutral"] == 1 and data.counts.query("question_id == 'L2'")["base"].iloc[0] == 3


def test_a_ranking_naming_an_option_twice_is_an_error(tmp_path):
    questionnaire = "questions:\n  - {id: R1, type: ranking, text: Rank, options: [Cost, Access]}\n"
    folder = write_dataset(tmp_path / "twice", questionnaire=questionnaire)
    workbook(folder / "export.xlsx", [["ID", "Rank"], [1, "Cost;Access;"], [2, "Cost;Cost;"]])
    with pytest.raises(DataError, match=r"row 3, question R1: option 'Cost' is ranked twice"):
        load_dataset(folder)


# ---------------------------------------------------------------------------------------- Excel CSVs


def test_excel_european_csv_with_semicolons_in_windows_1252(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    rows[4][-1] = "Unités capitalisables"  # é in Windows-1252 is one byte 0xe9
    body = csv_bytes(rows, ";", "cp1252")
    folder = write_dataset(tmp_path / "eu", "export.csv", body)
    data = load_dataset(folder)
    check_ms_counts(data)
    assert "Unités capitalisables" in set(data.open_responses["text"])
    where = body.index(b"\xe9")
    assert (
        data.notes[0]
        == f"Read as Windows-1252 (not UTF-8: byte 0xe9 at offset {where}) with ';' between fields (detected)."
    )


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    data_bytes = b"\xff\xfe" + csv_bytes(rows, "\t", "utf-16-le")
    folder = write_dataset(tmp_path / "u16", "export.txt", data_bytes)
    data = load_dataset(folder)
    check_ms_counts(data)
    assert "UTF-16 LE with a byte-order mark with tab between fields" in data.notes[0]


def test_utf8_with_a_byte_order_mark_and_semicolons(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    folder = write_dataset(tmp_path / "bom", "export.csv", b"\xef\xbb\xbf" + csv_bytes(rows, ";"))
    check_ms_counts(load_dataset(folder))


def test_declared_delimiter_and_encoding_are_used(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    text = QUESTIONNAIRE.format(other="Other") + "export:\n  delimiter: tab\n  encoding: utf-16-le\n"
    folder = write_dataset(tmp_path / "declared", "export.txt", csv_bytes(rows, "\t", "utf-16-le"), questionnaire=text)
    check_ms_counts(load_dataset(folder))


def test_a_wrong_declared_encoding_is_a_short_error(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    rows[1][-1] = "Réponse"
    text = QUESTIONNAIRE.format(other="Other") + "export:\n  encoding: utf-8\n"
    folder = write_dataset(tmp_path / "wrong", "export.csv", csv_bytes(rows, ";", "cp1252"), questionnaire=text)
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "cannot decode the file as utf-8" in message and "set export: encoding:" in message
    assert len(message) < 600


def test_an_undecidable_delimiter_is_a_short_error(tmp_path):
    body = b"Question one|Question two\r\nyes|no\r\n"
    folder = write_dataset(
        tmp_path / "pipe", "export.csv", body, questionnaire="questions:\n  - {id: Q1, type: open}\n"
    )
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "cannot tell the field delimiter: read as UTF-8, ',' gives 1 column(s)" in message
    assert "set export: delimiter:" in message and len(message) < 600


def test_a_header_that_matches_nothing_says_how_the_file_was_read(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    text = QUESTIONNAIRE.format(other="Other") + "export:\n  delimiter: ','\n"
    folder = write_dataset(tmp_path / "ragged", "export.csv", csv_bytes(rows, ";"), questionnaire=text)
    with pytest.raises(DataError) as error:  # the answers' own commas make ragged rows
        load_dataset(folder)
    message = str(error.value)
    assert "not a valid CSV file read as UTF-8 with ',' between fields (set in export: delimiter)" in message
    assert len(message) < 600
    rows = [["ID", "Start time", *QUESTIONS], ["1", "t", "Alpha", "Yes", "Badges;", "Text"]]
    folder = write_dataset(tmp_path / "nomatch", "export.csv", csv_bytes(rows, ";"), questionnaire=text)
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "no column matches a question of questionnaire.yaml: read as UTF-8 with ',' between fields" in message
    assert "the header has 1 column(s) ('ID;Start time;Your institution;Do you o…')" in message
    assert len(message) < 600


# ---------------------------------------------------------------------------------------- Google Forms

GOOGLE_ANSWERS = [
    ["Alpha University", "Yes", "Badges, Short courses", "A short course with a certificate"],
    ["Beta College", "No", "Badges, Mentoring; coaching on the job", ""],
    ["Alpha University", "We plan to next year", "Not certain, we do not have data", "N/A"],
    ["Gamma Ltd", "Yes", "Short courses, Workshops, seminars", "Stackable units"],
    ["Delta Institute", "", "", ""],
]


@pytest.mark.parametrize(
    "meta",
    [["Timestamp", "Email Address"], ["Horodateur", "Adresse e-mail"], ["Carimbo de data/hora", "Endereço de e-mail"]],
)
def test_google_sheet_with_comma_joined_checkboxes(tmp_path, meta):
    rows = [[*meta, *QUESTIONS]]
    rows += [["2025/01/06 9:00:00 AM GMT+2", "a@example.org", *answer] for answer in GOOGLE_ANSWERS]
    folder = write_dataset(tmp_path / "sheet", "export.csv", csv_bytes(rows))
    data = load_dataset(folder)
    assert tally(data, "Q3") == {"Badges": 2, "Short courses": 2, "Not certain, we do not have data": 1, "Other": 2}
    assert write_ins(data, "Q3") == [("2", "Mentoring; coaching on the job"), ("4", "Workshops, seminars")]
    # Only row 1 joins known options and nothing else (rows 2 and 4 hold write-ins, row 3 one option).
    assert data.notes[1].startswith("Multi-select separator ', ' detected: 1 rows join known options with ', '")


def test_google_forms_csv_download_joins_checkboxes_with_semicolons(tmp_path):
    rows = [["Timestamp", *QUESTIONS]]
    rows += [
        ["2025/01/06 9:00:00", *[a.replace(", ", ";") if i == 2 else a for i, a in enumerate(answer)]]
        for answer in GOOGLE_ANSWERS
    ]
    rows[3][3] = "Not certain, we do not have data"  # a label's own comma is no separator
    folder = write_dataset(tmp_path / "download", "export.csv", csv_bytes(rows))
    data = load_dataset(folder)
    assert tally(data, "Q3") == {"Badges": 2, "Short courses": 2, "Not certain, we do not have data": 1, "Other": 2}


AMBIGUOUS = """\
questions:
  - id: Q1
    type: multi
    text: Which skills?
    options: ["Reading, writing", Reading, writing, Numeracy]
"""


def test_a_label_that_is_two_options_joined_stops_loading(tmp_path):
    rows = [["Timestamp", "Which skills?"], ["t", "Reading, writing"], ["t", "Numeracy, Reading"], ["t", "Numeracy"]]
    folder = write_dataset(
        tmp_path / "amb", "export.csv", csv_bytes(rows), questionnaire=AMBIGUOUS + 'export:\n  separator: ", "\n'
    )
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "row 2, question Q1: 'Reading, writing' has two readings" in message
    assert "the option 'Reading, writing' is also 'Reading' + 'writing' joined by ', '" in message
    assert len(message) < 600


def test_the_forms_download_resolves_the_ambiguous_label(tmp_path):
    rows = [
        ["Timestamp", "Which skills?"],
        ["t", "Reading, writing"],
        ["t", "Numeracy;Reading;writing"],
        ["t", "Numeracy"],
    ]
    folder = write_dataset(
        tmp_path / "res", "export.csv", csv_bytes(rows), questionnaire=AMBIGUOUS + "export:\n  separator: ';'\n"
    )
    data = load_dataset(folder)
    assert tally(data, "Q1") == {"Reading, writing": 1, "Reading": 1, "writing": 1, "Numeracy": 2}


def test_a_declared_separator_that_plainly_does_not_fit_is_refused(tmp_path):
    folder = write_dataset(
        tmp_path / "misfit", questionnaire=QUESTIONNAIRE.format(other="Other") + 'export:\n  separator: ", "\n'
    )
    workbook(folder / "export.xlsx", ms_rows())
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "the multi-select separator is set to ', ', but no cell joins known options with it" in message
    assert "set export: separator: ';'" in message and len(message) < 600


# ------------------------------------------------------------------------------------ other columns


def test_unexpected_columns_name_the_line_to_add_and_ignore_columns_takes_them(tmp_path):
    extra = {"Department": ["HR"] * 5, "Internal reference number for this submission, as filed": ["x"] * 5}
    folder = write_dataset(tmp_path / "extra")
    workbook(folder / "export.xlsx", ms_rows(extra=extra))
    with pytest.raises(DataError) as error:
        load_dataset(folder)
    message = str(error.value)
    assert "unexpected column(s) 'Department', 'Internal reference number for this submission, …'" in message
    assert 'ignore_columns: ["Department", "Internal reference number for this subm*"]' in message
    assert len(message) < 600
    text = QUESTIONNAIRE.format(other="Other") + 'export:\n  ignore_columns: [Department, "Internal reference*"]\n'
    (folder / "questionnaire.yaml").write_text(text, encoding="utf-8")
    check_ms_counts(load_dataset(folder))


def test_a_time_column_in_an_unlisted_language_is_left_out_by_its_cells(tmp_path):
    """A submission-time header this package does not list (here German) is still metadata: every cell
    is a date and time, and the load says it left the column out."""
    folder = write_dataset(tmp_path / "de")
    workbook(folder / "export.xlsx", ms_rows(["ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name"]))
    data = load_dataset(folder)
    check_ms_counts(data)
    assert any("'Startzeit', 'Fertigstellungszeit'" in note for note in data.notes)


def test_an_option_spelled_differently_is_an_error_not_a_write_in(tmp_path):
    rows = ms_rows()
    rows[1][7] = "badges;Short courses;"  # the questionnaire says 'Badges'
    folder = write_dataset(tmp_path / "case")
    workbook(folder / "export.xlsx", rows)
    with pytest.raises(
        DataError, match=r"row 2, question Q3: 'badges' differs from the option 'Badges' only in spelling"
    ):
        load_dataset(folder)


def test_a_write_in_typed_by_several_respondents_is_pointed_out(tmp_path):
    rows = ms_rows()
    for row in rows[1:4]:
        row[6] = "Planned for 2026"  # three respondents typed the same text under Other
    folder = write_dataset(tmp_path / "repeat")
    workbook(folder / "export.xlsx", rows)
    data = load_dataset(folder)
    assert tally(data, "Q2")["Other"] == 3
    assert "Q2: write-ins typed by several respondents, counted as Other: 'Planned for 2026' (3)" in " ".join(
        data.notes
    )


def test_utf16_without_a_byte_order_mark_is_told_by_its_zero_bytes(tmp_path):
    rows = [[str(c) for c in row] for row in ms_rows()]
    folder = write_dataset(tmp_path / "nobom", "export.txt", csv_bytes(rows, "\t", "utf-16-le"))
    data = load_dataset(folder)
    check_ms_counts(data)
    assert data.notes[0].startswith("Read as UTF-16 LE without a byte-order mark (from its zero bytes) with tab")


def test_an_export_kept_under_its_downloaded_name_is_found(tmp_path):
    folder = write_dataset(tmp_path / "named")
    workbook(folder / "Micro-credentials survey(1-5).xlsx", ms_rows())
    check_ms_counts(load_dataset(folder))
    workbook(folder / "Another download.xlsx", ms_rows())
    with pytest.raises(DataError, match=r"several files could be the export .*; name it under export: file:"):
        load_dataset(folder)
