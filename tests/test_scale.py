"""The fast export path (Arrow reader, per-distinct-cell checks) gives exactly the tables of a plain one.

The plain reference here reads the file with Python's csv module (or openpyxl), splits every row's cell
and counts with explode: slow, obviously right. Timings live in ``make bench`` (bench/bench_scale.py).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from zqf_analysis.data import choices, export, files, synth
from zqf_analysis.data.export import read_export, tabulate_export
from zqf_analysis.data.files import read_text_table
from zqf_analysis.data.questionnaire import Questionnaire, load_questionnaire
from zqf_analysis.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire(ROOT / "data" / "raw" / "zaqa-2024" / "questionnaire.yaml")


# ------------------------------------------------------------------------------- plain reference


def plain_records(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows, read cell by cell; an XLSX header is the first row naming 'Start time'."""
    if path.suffix == ".xlsx":
        rows = [
            ["" if cell is None else str(cell) for cell in row]
            for row in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
        ]
        start = next(i for i, row in enumerate(rows) if "Start time" in row)
        width = len(rows[start])
        return rows[start], [row + [""] * (width - len(row)) for row in rows[start + 1 :]]
    with open(path, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def plain_tables(path: Path, questionnaire: Questionnaire, separator: str, encoding: str = "utf-8") -> dict:
    header, body = plain_records(path, encoding)
    position = {
        " ".join(q.text.split()): header.index(" ".join(q.text.split())) for q in questionnaire.questions
    }
    ids = [row[header.index("ID")] if "ID" in header else str(n) for n, row in enumerate(body, start=1)]

    def cells(question):
        return [row[position[" ".join(question.text.split())]].strip() for row in body]

    counts = []
    for question in questionnaire.closed:
        column = pd.Series(cells(question), dtype=object)
        answered = column[column != ""]
        if question.type == "single":
            chosen = answered
        elif separator.strip() == ";":
            chosen = answered.str.split(";").explode().str.strip()
            chosen = chosen[chosen != ""]
        else:  # Google: labels hold ", ", so look for each whole label between separators
            chosen = pd.Series(
                [o for cell in answered for o in question.options if f", {o}, " in f", {cell}, "],
                dtype=object,
            )
        tally = chosen.value_counts()
        counts += [(question.id, o, int(tally.get(o, 0)), len(answered)) for o in question.options]
    open_rows = [
        (question.id, response_id, text)
        for question in questionnaire.open
        for response_id, text in zip(ids, cells(question), strict=True)
        if text
    ]
    institutions: dict[str, int] = {}
    for name in cells(questionnaire.institution):
        if name:
            institutions[name] = institutions.get(name, 0) + 1
    return {"counts": counts, "open_responses": open_rows, "institutions": list(institutions.items())}


def fast_tables(path: Path, questionnaire: Questionnaire, separator: str) -> dict:
    responses = read_export(path, questionnaire, separator=separator)
    tables = tabulate_export(responses, questionnaire, separator=separator)
    counts = tables["counts"]
    return {
        "counts": [
            (q, o, int(c), int(b))
            for q, o, c, b in counts[["question_id", "option", "count", "base"]].itertuples(index=False)
        ],
        "open_responses": list(tables["open_responses"].itertuples(index=False, name=None)),
        "institutions": list(
            zip(
                tables["institutions"]["institution"],
                tables["institutions"]["submissions"].tolist(),
                strict=True,
            )
        ),
    }


def generator_counts(questionnaire: Questionnaire, respondents: int, seed: int) -> list[tuple]:
    """Counts straight from the generator's answer arrays: a third, parse-free reference."""
    answers = synth.generate_answers(questionnaire, respondents, seed)
    rows = []
    for question in questionnaire.closed:
        answer = answers[question.id]
        if question.type == "single":
            base, per_option = (
                int((answer >= 0).sum()),
                [int((answer == i).sum()) for i in range(len(question.options))],
            )
        else:
            base, per_option = int(answer.any(axis=1).sum()), [int(c) for c in answer.sum(axis=0)]
        rows += [(question.id, o, c, base) for o, c in zip(question.options, per_option, strict=True)]
    return rows


# ----------------------------------------------------------------------------------- same tables


@pytest.mark.parametrize(
    ("style", "encoding", "suffix"),
    [
        ("microsoft", "utf-8", ".csv"),
        ("microsoft", "utf-8-sig", ".csv"),
        ("microsoft", "cp1252", ".csv"),
        ("google", "utf-8", ".csv"),
        ("google", "cp1252", ".csv"),
        ("microsoft", "utf-8", ".xlsx"),
    ],
)
def test_fast_path_gives_the_plain_tables(tmp_path, questionnaire, style, encoding, suffix):
    respondents, seed = 700, 31
    frame = synth.synthetic_export(questionnaire, respondents, seed, style=style)
    path = tmp_path / f"export{suffix}"
    synth.write_export(
        frame, path, encoding=encoding, title_rows=("SYNTHETIC", "2 title rows") if suffix == ".xlsx" else ()
    )
    separator = synth.default_separator(style)
    fast = fast_tables(path, questionnaire, separator)
    assert fast == plain_tables(path, questionnaire, separator, encoding)
    assert fast["counts"] == generator_counts(questionnaire, respondents, seed)
    assert sum(n for _, n in fast["institutions"]) == respondents


def test_padded_cells_quoted_newlines_and_quotes_read_like_the_plain_reader(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 120, 8)
    q8, q11 = synth._header(questionnaire["Q8"]), synth._header(questionnaire["Q11"])
    frame.loc[3, q8] = '  She said "micro" twice,\r\nthen left.\u00a0'
    frame.loc[4, q11] = "\u00a0I agree\t"
    frame.loc[5, q8] = "N/A"
    path = tmp_path / "export.csv"
    synth.write_export(frame, path)
    fast = fast_tables(path, questionnaire, ";")
    assert fast == plain_tables(path, questionnaire, ";")
    texts = {response_id: text for q, response_id, text in fast["open_responses"] if q == "Q8"}
    assert texts["4"] == 'She said "micro" twice,\r\nthen left.' and texts["6"] == "N/A"


def test_arrow_reader_is_used_for_utf8_and_pandas_for_cp1252(tmp_path, questionnaire, monkeypatch):
    frame = synth.synthetic_export(questionnaire, 50, 2)
    synth.write_export(frame, tmp_path / "utf8.csv")
    synth.write_export(frame, tmp_path / "win.csv", encoding="cp1252")
    reference = files._read_csv_pandas(tmp_path / "utf8.csv", ",")

    def refuse(*_args):
        raise AssertionError("a UTF-8 export should not need the pandas reader")

    monkeypatch.setattr(files, "_read_csv_pandas", refuse)
    fast = read_text_table(tmp_path / "utf8.csv")
    pd.testing.assert_frame_equal(fast, reference)
    assert files._read_csv_arrow(tmp_path / "win.csv", ",") is None  # not UTF-8: left to pandas


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n\n\n3,4\n",  # blank lines
        'a,b\r\n"x\r\ny",""\r\n"q""uote",z\r\n',  # CRLF, newline and quote inside quotes
        "\ufeffa , b\n1,\n",  # BOM, header with spaces, empty last cell
        "a,a\n1,2\n",  # repeated header: pandas names it a.1
        "a,,c\n1,2,3\n",  # unnamed column: pandas names it Unnamed: 1
        "a,b\n1,2,3\n",  # ragged row: pandas's own error
        "a,b\n1\n",  # short row
    ],
)
def test_csv_reader_matches_pandas_on_awkward_files(tmp_path, text):
    path = tmp_path / "table.csv"
    path.write_bytes(text.encode("utf-8"))
    try:
        expected = files._read_csv_pandas(path, ",")
        expected.columns = [str(c).strip() for c in expected.columns]
    except DataError as error:
        with pytest.raises(DataError) as raised:
            read_text_table(path)
        assert str(raised.value) == str(error)
        return
    pd.testing.assert_frame_equal(read_text_table(path), expected)


#: The loader's text columns are Arrow-backed from pandas 3 on (its default string dtype); with pandas
#: 2 (still allowed by pyproject.toml) they are plain objects and the fast paths are never taken.
ARROW_TEXT = pytest.mark.skipif(
    not isinstance(pd.Series(["x"], dtype="str").array, pd.arrays.ArrowStringArray),
    reason="pandas < 3: text columns are not Arrow-backed, so the loader takes its plain route",
)


@ARROW_TEXT
def test_strip_is_skipped_only_when_no_cell_can_change():
    column = pd.Series(["Yes", "No", "", "caf\u00e9", "\u00a0Yes", "No\t"], dtype="str")
    pd.testing.assert_series_equal(export._strip(column), column.str.strip())
    clean = pd.Series(["Yes", "No", ""], dtype="str")
    assert export._strip(clean) is clean


# ------------------------------------------------------------------------------ readable errors


def test_many_bad_cells_give_a_count_and_the_first_rows(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 4000, 13)
    broken, bad = synth.inject_bad_cells(frame, questionnaire, 300, 13)
    path = tmp_path / "export.csv"
    synth.write_export(broken, path)
    with pytest.raises(DataError) as error:
        read_export(path, questionnaire)
    message = str(error.value)
    assert "300 problems: " in message and "; and 295 more" in message
    assert len(message) < 1500
    # Plain expectation: questions in form order, each bad value's rows in file order, 5 shown.
    listed = re.findall(r"row (\d+), question (Q\d+)", message)
    expected = []
    for question in questionnaire.closed:
        by_value: dict[str, list[int]] = {}
        for cell in sorted((c for c in bad if c.question_id == question.id), key=lambda c: c.position):
            value = broken.iat[cell.position, broken.columns.get_loc(synth._header(question))]
            by_value.setdefault(value, []).append(cell.position + 2)  # header is file row 1
        expected += [(str(row), question.id) for rows in by_value.values() for row in rows[:5]]
    assert listed == expected[:5]


def test_duplicate_ids_and_bad_cells_are_counted_together(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 200, 14)
    frame.loc[[50, 120], "ID"] = "7"
    q14 = synth._header(questionnaire["Q14"])
    frame.loc[[10, 11], q14] = "Maybe"
    path = tmp_path / "export.csv"
    synth.write_export(frame, path)
    with pytest.raises(DataError) as error:
        read_export(path, questionnaire)
    message = str(error.value)
    assert "4 problems: row 52, column response_id: duplicate response id '7'" in message
    assert "row 12, question Q14: unknown option 'Maybe'" in message and "row 13, question Q14" in message


def test_tabulation_counts_each_distinct_cell_by_its_rows(questionnaire):
    question = questionnaire["Q3"]
    first, second = question.options[:2]
    cells = [f"{first};", f"{first};{second};", "", f"{first};"] * 250
    responses = pd.DataFrame({q.id: [""] * len(cells) for q in questionnaire.questions})
    responses.insert(0, "response_id", [str(i) for i in range(len(cells))])
    responses["Q3"] = cells
    responses = responses.astype("str")
    counts = tabulate_export(responses, questionnaire)["counts"]
    q3 = counts[counts["question_id"] == "Q3"].set_index("option")
    assert q3.loc[first, "count"] == 750 and q3.loc[second, "count"] == 250
    assert set(q3["base"]) == {750}
    assert np.all(q3.drop(index=[first, second])["count"] == 0)


# -------------------------------------------------------------------- categorical answers (issue 6)


def plain_responses(path: Path, questionnaire: Questionnaire, encoding: str = "utf-8") -> pd.DataFrame:
    """The responses the plain way: every cell read by the csv module and stripped, the counted answers
    (closed questions and the institution) then made categorical by pandas itself."""
    header, body = plain_records(path, encoding)
    position = {q.id: header.index(" ".join(q.text.split())) for q in questionnaire.questions}
    frame = pd.DataFrame({"response_id": [row[header.index("ID")].strip() for row in body]}, dtype="str")
    for question in questionnaire.questions:
        cells = pd.Series([row[position[question.id]].strip() for row in body], dtype="str")
        counted = question.type != "open"
        frame[question.id] = cells.astype("category") if counted else cells
    return frame


def test_arrow_responses_equal_the_plain_categoricals(tmp_path, questionnaire, monkeypatch):
    frame = synth.synthetic_export(questionnaire, 600, 21)
    q3, q11, q1 = (synth._header(questionnaire[q]) for q in ("Q3", "Q11", "Q1"))
    frame.loc[5, q11] = "  I agree\u00a0"  # the same answer as "I agree" once stripped: one category
    frame.loc[6, q3] = " Other;"
    frame.loc[7, q1] = "Kalulu University "
    path = tmp_path / "export.csv"
    synth.write_export(frame, path)
    monkeypatch.setattr(export, "read_text_table", lambda *_: pytest.fail("the Arrow route should read this file"))
    responses = read_export(path, questionnaire)
    pd.testing.assert_frame_equal(responses, plain_responses(path, questionnaire))
    assert list(responses["Q11"].cat.categories).count("I agree") == 1 and responses.at[5, "Q11"] == "I agree"
    counted = {q.id for q in questionnaire.closed} | {questionnaire.institution.id}
    assert {c for c in responses.columns if isinstance(responses[c].dtype, pd.CategoricalDtype)} == counted


@pytest.mark.parametrize(("encoding", "suffix"), [("utf-8-sig", ".csv"), ("cp1252", ".csv"), ("utf-8", ".xlsx")])
def test_every_reading_route_gives_the_same_responses(tmp_path, questionnaire, encoding, suffix):
    frame = synth.synthetic_export(questionnaire, 300, 22)
    path = tmp_path / f"export{suffix}"
    synth.write_export(frame, path, encoding=encoding, title_rows=("SYNTHETIC",) if suffix == ".xlsx" else ())
    reference = tmp_path / "reference.csv"
    synth.write_export(frame, reference)
    pd.testing.assert_frame_equal(read_export(path, questionnaire), read_export(reference, questionnaire))


def test_arrow_and_pandas_routes_fail_alike_on_a_ragged_row(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 40, 23)
    path = tmp_path / "export.csv"
    synth.write_export(frame, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[10] = lines[10].rstrip("\r\n") + ",extra\r\n"
    path.write_text("".join(lines), encoding="utf-8")
    assert export._read_export_csv_arrow(path, questionnaire) is None  # Arrow refuses the row: pandas decides
    with pytest.raises(DataError) as arrow_route:
        read_export(path, questionnaire)
    with pytest.raises(DataError) as plain_route:
        export._map_columns(read_text_table(path), questionnaire, path)
    detail = str(plain_route.value).split("not a valid CSV file: ")[1].strip()  # what pandas found, said alike
    assert "not a valid CSV file read as UTF-8 with ',' between fields" in str(arrow_route.value)
    assert detail in str(arrow_route.value)


def test_tables_from_categoricals_equal_tables_from_text(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 500, 24, write_ins=0.7)  # write-ins read both ways too
    path = tmp_path / "export.csv"
    synth.write_export(frame, path)
    responses = read_export(path, questionnaire)
    as_text = responses.astype("str")
    assert not any(isinstance(t, pd.CategoricalDtype) for t in as_text.dtypes)
    choices._segment.cache_clear()
    choices._read_cell.cache_clear()
    fast, plain = tabulate_export(responses, questionnaire), tabulate_export(as_text, questionnaire)
    for name in ("counts", "open_responses", "institutions"):
        pd.testing.assert_frame_equal(fast[name], plain[name])
    assert fast["open_responses"]["question_id"].str.endswith("_other").sum() == fast["counts"]["write_ins"].sum() > 0
    for question in questionnaire.closed:
        assert export._distinct(responses[question.id]) == export._distinct(as_text[question.id])


@ARROW_TEXT
def test_open_answers_by_arrow_equal_the_pandas_ones(questionnaire):
    responses = pd.DataFrame(
        {
            "response_id": ["1", "2", "3", "4"],
            "Q2": ["", "Short courses", "N/A", ""],
            "Q8": ["Cost", "", "", 'She said "no",\nthen yes'],
        },
        dtype="str",
    )
    fast = export._open_answers_arrow(responses, ["Q2", "Q8"])
    pd.testing.assert_frame_equal(fast, export._open_answers(responses, ["Q2", "Q8"]))
    assert list(zip(fast["question_id"], fast["response_id"], strict=True)) == [
        ("Q2", "2"),
        ("Q2", "3"),
        ("Q8", "1"),
        ("Q8", "4"),
    ]


@pytest.mark.parametrize(
    "ids",
    [
        ["1", "2", "3", "10"],  # increasing numbers: cleared without hashing
        ["1", "2", "2", "3"],
        ["3", "1", "3"],  # numbers, not increasing: hashed
        ["01", "1", "2"],  # equal numbers, different texts: not duplicates
        ["a", "b", "a", "a"],
        ["7"],
    ],
)
def test_duplicate_ids_are_found_as_pandas_finds_them(ids):
    column = pd.Series(ids, dtype="str")
    assert export._duplicated(column).tolist() == column.duplicated(keep="first").tolist()


def test_bad_cells_in_categoricals_are_all_counted_with_their_rows(tmp_path, questionnaire):
    frame = synth.synthetic_export(questionnaire, 300, 25)
    q14, q3 = synth._header(questionnaire["Q14"]), synth._header(questionnaire["Q3"])
    frame.loc[[4, 9, 250], q14] = "Maybe"  # Q14 has no Other option: an unknown answer is an error
    # Q3 takes write-ins ("Nope" counts as Other), but at most 3 choices: this is 4.
    frame.loc[[7], q3] = (
        "Continuing growth and diversity;Expansion will grow especially in TVET;"
        "Stabilisation and continuation of past trends;Nope;"
    )
    path = tmp_path / "export.csv"
    synth.write_export(frame, path)
    with pytest.raises(DataError) as error:
        read_export(path, questionnaire)
    message = str(error.value)
    # Header is file row 1: frame position p is row p + 2. Q3 comes before Q14 in the form.
    assert message.split(": ", 1)[1].startswith(
        "4 problems: row 9, question Q3: 4 options chosen, but the question allows at most 3; "
        "row 6, question Q14: unknown option 'Maybe'; row 11, question Q14: unknown option 'Maybe'; "
        "row 252, question Q14: unknown option 'Maybe'. Options of Q14: Yes; No; Safeguard my anonymity."
    )
