"""Per-respondent exports as Microsoft Forms and Google Forms write them (CSV or XLSX): the columns
mapped to questions, every cell checked against the questionnaire (a value that is no option, in a
question with an "Other" option, is a write-in counted as Other and kept as text), and the answers
tabulated into the tables a published dataset has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from zqf_analysis.data.choices import (  # noqa: F401 - split_choices is part of the loader's interface
    SEPARATORS,
    ambiguous_labels,
    choose_separator,
    misfit,
    read_cell,
    separator_evidence,
    split_choices,
)
from zqf_analysis.data.columns import (  # noqa: F401 - FORM_METADATA_COLUMNS too
    FORM_METADATA_COLUMNS,
    RESPONSE_ID_COLUMNS,
    column_plan,
    headers_for,
    is_ignored,
    is_metadata,
    normal,
)
from zqf_analysis.data.detect import TextFormat, text_format
from zqf_analysis.data.files import (
    csv_header,
    csv_memory_pool,
    read_csv_arrow_table,
    read_text_table,
    rows_below,
    xlsx_engine,
)
from zqf_analysis.data.questionnaire import Question, Questionnaire
from zqf_analysis.data.tabulate import (  # noqa: F401 - tabulate_export and the answer readers are part of the loader
    _distinct,
    _open_answers,
    _open_answers_arrow,
    tabulate_export,
)
from zqf_analysis.data.validate import SHOWN_FAILURES, failures_error
from zqf_analysis.errors import DataError

#: How many rows above the header an XLSX export may carry (titles, notes, blank rows).
MAX_TITLE_ROWS = 20
#: File suffixes read as delimited text (Excel's "Unicode Text" is a .txt).
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


@dataclass(frozen=True)
class ExportRead:
    """A checked export: the responses (see :func:`read_export`), the multi-select separator used, and
    notes saying how the file was read (encoding, delimiter, separator, columns left out)."""

    responses: pd.DataFrame
    separator: str
    notes: tuple[str, ...] = ()


def read_export(
    path: str | Path,
    questionnaire: Questionnaire,
    separator: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a per-respondent export and check every cell against the questionnaire.

    Returns one row per submission with a ``response_id`` column and one column per question id,
    every cell stripped of surrounding whitespace. The answers that get tabulated (closed questions
    and the institution) are pandas categoricals with the distinct answers, sorted, as categories,
    exactly ``column.astype("category")`` of the text: a million rows hold each long option label
    once instead of a million times, and counting them is counting integer codes. Multi-select
    cells stay joined by their separator (:func:`tabulate_export` splits them); the response id and
    open answers stay text. ``separator`` overrides the questionnaire's ``export: separator``; without
    either it is detected from the cells. ``responses.attrs["separator"]`` holds the one used.
    """
    return read_export_details(path, questionnaire, separator, sheet).responses


def read_export_details(
    path: str | Path,
    questionnaire: Questionnaire,
    separator: str | None = None,
    sheet: str | int | None = None,
) -> ExportRead:
    """:func:`read_export`, with the separator used and notes on how the file was read."""
    path = Path(path)
    if not path.is_file():
        raise DataError("export file not found", file=path)
    responses = None
    notes: list[str] = []
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        chosen_sheet = sheet if sheet is not None else questionnaire.export.get("sheet")
        raw, header_row = _read_xlsx(path, questionnaire, chosen_sheet)
        reading = ""
    elif suffix in TEXT_SUFFIXES:
        fmt = _text_format(path, questionnaire)
        reading = fmt.describe()
        notes.append(f"Read {reading}.")
        header_row = 1
        responses = _read_export_csv_arrow(path, questionnaire, fmt.delimiter) if fmt.utf8 else None
        if responses is None:
            declared = bool(questionnaire.export.get("encoding")) or fmt.encoding.startswith("utf-16")
            try:
                raw = read_text_table(path, fmt.delimiter, fmt.encoding if declared else None)
            except DataError as exc:
                if not exc.problem.startswith("not a valid CSV file"):
                    raise
                raise DataError(
                    f"not a valid CSV file read {reading}: {exc.problem.split(': ', 1)[-1].strip()}; if the file "
                    "was saved otherwise, set export: delimiter: and encoding: in questionnaire.yaml",
                    file=path,
                ) from None
    else:
        raise DataError(
            f"unsupported export format {path.suffix!r}; expected .csv, .txt (tab-separated) or .xlsx", file=path
        )
    if responses is None:
        responses = _map_columns(raw, questionnaire, path, reading)
        notes += responses.attrs.pop("notes", [])
    separator, how = _choose_separator(responses, questionnaire, path, separator)
    if how:
        notes.append(how[0].upper() + how[1:] + ".")
    _check_answers(responses, questionnaire, path, separator, first_row=header_row + 1)
    notes += repeated_write_ins(responses, questionnaire, separator)
    responses.attrs["separator"] = separator
    return ExportRead(responses, separator, tuple(notes))


def _text_format(path: Path, questionnaire: Questionnaire) -> TextFormat:
    """The CSV's encoding and delimiter: declared, or detected by which delimiter names the questions."""
    wanted = {normal(h) for q in questionnaire.questions for h in headers_for(q)}
    ignore = questionnaire.export.get("ignore_columns", [])

    def known(header: str) -> bool:
        return normal(header) in wanted or is_metadata(header) or is_ignored(header, ignore)

    export = questionnaire.export
    return text_format(path, export.get("encoding"), export.get("delimiter"), known)


def _read_xlsx(path: Path, questionnaire: Questionnaire, sheet: str | int | None) -> tuple[pd.DataFrame, int]:
    try:
        # keep_default_na=False: an answer "N/A" or "None" is a respondent's words, not a blank cell.
        grid = pd.read_excel(
            path, sheet_name=sheet or 0, header=None, dtype=str, engine=xlsx_engine(), keep_default_na=False
        )
    except Exception as exc:  # the readers raise many types for a damaged workbook
        raise DataError(f"cannot read the workbook: {exc}", file=path) from None
    if grid.dropna(how="all").empty:
        raise DataError("the workbook's sheet is empty", file=path)
    grid = grid.fillna("")
    wanted = {normal(h) for q in questionnaire.questions for h in headers_for(q)}
    for position in range(min(MAX_TITLE_ROWS, len(grid))):
        cells = [normal(str(c)) for c in grid.iloc[position]]
        if sum(c in wanted for c in cells) >= max(1, len(questionnaire.questions) // 2):
            return rows_below(grid, position, path), position + 1
    raise DataError(
        f"no header row found in the first {MAX_TITLE_ROWS} rows: expected a row naming the questions "
        f"({', '.join(questionnaire.ids)} or their wording)",
        file=path,
    )


def _tabulated_ids(questionnaire: Questionnaire) -> set[str]:
    """Question ids whose answers are counted (closed questions and the institution): stored as
    categoricals. Open answers are only kept, so they stay text."""
    ids = {q.id for q in questionnaire.closed}
    if questionnaire.institution is not None:
        ids.add(questionnaire.institution.id)
    return ids


def _map_columns(raw: pd.DataFrame, questionnaire: Questionnaire, path: Path, reading: str = "") -> pd.DataFrame:
    """Rename the export's columns to question ids (extra or missing columns are an error), strip
    every cell, and store the tabulated answers as categoricals (see :func:`read_export`)."""
    plan = column_plan(list(raw.columns), questionnaire, path, reading, cells=lambda c: raw[c].astype(str).tolist())
    rename, id_column = plan.rename, plan.id_column
    responses = raw[list(rename)].rename(columns=rename)
    responses = responses[[q.id for q in questionnaire.questions]]
    if id_column is not None:
        ids = raw[id_column].astype(str).str.strip()
    else:
        ids = pd.Series([str(i) for i in range(1, len(raw) + 1)], index=raw.index)
    responses.insert(0, "response_id", ids.array)
    tabulated = _tabulated_ids(questionnaire)
    for column in responses.columns:
        responses[column] = _strip(responses[column].astype(str))
        if column in tabulated:
            codes, uniques = pd.factorize(responses[column], sort=False)
            responses[column] = _categorical([codes], pa.array(np.asarray(uniques, dtype=object), type=pa.string()))
    responses = responses.reset_index(drop=True)
    if plan.by_content:
        named = ", ".join(repr(c) for c in plan.by_content)
        responses.attrs["notes"] = [f"Left out as form metadata, from their cells (times or e-mail addresses): {named}"]
    return responses


def _read_export_csv_arrow(path: Path, questionnaire: Questionnaire, delimiter: str = ",") -> pd.DataFrame | None:
    """The responses of a CSV export read by Arrow, keeping only the columns it needs, or None when
    the plain route (:func:`read_text_table` then :func:`_map_columns`) must read the file or report
    its problem.

    The tabulated answers are dictionary-encoded while parsing (each distinct cell text is held once);
    form metadata columns are parsed but never converted. The result equals the plain route's.
    """
    header = csv_header(path, delimiter)
    if header is None:
        return None
    columns = [name.strip() for name in header]
    try:
        plan = column_plan(columns, questionnaire, path)
    except DataError:
        return None  # the plain route reports it, after its own checks (empty file, no data rows)
    rename, id_column = plan.rename, plan.id_column
    position = {name: i for i, name in enumerate(columns)}
    tabulated = _tabulated_ids(questionnaire)
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {position[column]: dictionary if qid in tabulated else pa.string() for column, qid in rename.items()}
    if id_column is not None:
        types[position[id_column]] = pa.string()
    table = read_csv_arrow_table(path, delimiter, header, types)
    if table is None or table.num_rows == 0:
        return None
    by_question = {qid: f"c{position[column]}" for column, qid in rename.items()}
    text_names = [by_question[q.id] for q in questionnaire.questions if q.id not in tabulated]
    if id_column is not None:
        text_names.append(f"c{position[id_column]}")
    text = table.select(text_names).to_pandas() if text_names else None
    data: dict[str, object] = {}
    if id_column is not None:
        data["response_id"] = _strip(text[f"c{position[id_column]}"]).array
    else:
        numbers = pa.array(np.arange(1, table.num_rows + 1)).cast(pa.string())
        data["response_id"] = pd.Series(numbers.to_pandas(), copy=False).array
    for question in questionnaire.questions:
        name = by_question[question.id]
        if question.id in tabulated:
            column = table.column(name).unify_dictionaries(memory_pool=csv_memory_pool())
            codes = [chunk.indices.to_numpy() for chunk in column.chunks]  # views, no copies
            values = column.chunk(0).dictionary if column.num_chunks else pa.array([], type=pa.string())
            data[question.id] = _categorical(codes, values)
        else:
            data[question.id] = _strip(text[name]).array
    return pd.DataFrame(data, copy=False)


def _categorical(codes: list[np.ndarray], values: pa.Array) -> pd.Categorical:
    """The cells ``values[codes]`` (``codes`` in consecutive parts, one per Arrow chunk), stripped, as
    a categorical whose categories are the distinct stripped cells sorted: the same as
    ``pd.Series(cells).str.strip().astype("category")``, built from the few distinct values instead
    of the many cells.

    Values no code points to (the header row's text, which Arrow parsed as a cell) are dropped, and
    values that only differ by surrounding whitespace become one category. The codes are written
    once, straight into the smallest integer type that holds them (int8 for up to 126 categories).
    """
    stripped = pc.utf8_trim_whitespace(values)
    used = np.zeros(len(values), dtype=bool)
    for part in codes:
        used[part] = True
    kept = pc.filter(stripped, pa.array(used))
    categories = pd.Index(pd.unique(pd.Series(kept.to_pandas(), copy=False)), dtype="str").sort_values()
    lookup = categories.get_indexer(pd.Index(pd.Series(stripped.to_pandas(), copy=False), dtype="str"))
    width = next(t for t in (np.int8, np.int16, np.int32, np.int64) if len(categories) < np.iinfo(t).max)
    lookup = lookup.astype(width)
    out = np.empty(sum(len(part) for part in codes), dtype=width)
    start = 0
    for part in codes:
        np.take(lookup, part, out=out[start : start + len(part)], mode="clip")  # codes are in range
        start += len(part)
    return pd.Categorical.from_codes(out, dtype=pd.CategoricalDtype(categories, ordered=False))


#: Bytes that may begin or end a character Python's str.strip() removes: ASCII whitespace and
#: controls, and any byte of a non-ASCII character (no-break space, Unicode spaces).
_MAY_BE_SPACE = np.array([b <= 0x20 or b >= 0x7F for b in range(256)])


def _strip(column: pd.Series) -> pd.Series:
    """``column.str.strip()``, without rewriting a column in which no cell changes.

    Stripping copies every string; on a million-row export that copy, not the work, is the cost.
    A cell can only lose whitespace if its first or last byte is ASCII whitespace or control
    (0x00-0x20) or part of a non-ASCII character (0x7f and above, which covers the no-break and
    other Unicode spaces), so those bytes are read from the Arrow buffers and only the cells they
    flag (an answer ending in "café" is flagged but unchanged) are stripped to decide.
    """
    array = column.array
    if not isinstance(array, pd.arrays.ArrowStringArray):
        return column.str.strip()
    flagged = []
    start = 0
    for chunk in array.__arrow_array__().chunks:
        if pa.types.is_large_string(chunk.type):
            offset_type = np.int64
        elif pa.types.is_string(chunk.type):
            offset_type = np.int32
        else:
            return column.str.strip()
        if chunk.null_count:
            return column.str.strip()
        _, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, dtype=offset_type)[chunk.offset : chunk.offset + len(chunk) + 1]
        starts, ends = ends[:-1], ends[1:]
        if data is not None and data.size:
            data = np.frombuffer(data, dtype=np.uint8)
            first, last = data.take(starts, mode="clip"), data.take(ends - 1, mode="clip")
            suspect = _MAY_BE_SPACE[first] | _MAY_BE_SPACE[last]
            flagged.append(np.flatnonzero(suspect & (ends > starts)) + start)
        start += len(chunk)
    flagged = np.concatenate(flagged) if flagged else np.empty(0, dtype=np.int64)
    if len(flagged) == 0:
        return column
    suspects = column.iloc[flagged]
    if (suspects.str.strip() == suspects).all():
        return column
    return column.str.strip()


def _choose_separator(
    responses: pd.DataFrame, questionnaire: Questionnaire, path: Path, override: str | None
) -> tuple[str, str]:
    """The multi-select separator: ``override`` (the command line's), else ``export: separator``, else
    the one the cells show; a declared one that plainly does not fit the cells is an error. Returns it
    and a sentence on how it was chosen ("" when no question splits cells)."""
    declared = override if override is not None else questionnaire.export.get("separator")
    split = [q for q in questionnaire.closed if q.type in ("multi", "ranking")]
    if not split:
        return declared or ";", ""
    cells = [(q, _distinct(responses[q.id])) for q in split]
    if declared:
        if separator_evidence(cells, (declared,)).fits(declared):  # it joins known options: it fits
            problem = None
        else:
            problem = misfit(declared, separator_evidence(cells, tuple(dict.fromkeys((declared, *SEPARATORS)))))
        if problem:
            raise DataError(problem.replace("export: separator", "--separator") if override else problem, file=path)
        where = "given with --separator" if override is not None else "set in export: separator"
        return declared, f"multi-select separator {declared!r} ({where})"
    return choose_separator(separator_evidence(cells))


#: A write-in typed word for word by this many respondents may be an option the questionnaire lacks.
REPEATED_WRITE_IN = 3


def repeated_write_ins(responses: pd.DataFrame, questionnaire: Questionnaire, separator: str) -> list[str]:
    """Notes on write-ins several respondents typed word for word: an option missing from
    questionnaire.yaml (or renamed in the form) would look the same, and is counted as Other. The
    write-in is shown as a page may show an answer (:func:`~zqf_analysis.data.text.redact_verbatim`)."""
    from zqf_analysis.data.text import redact_verbatim

    notes = []
    for question in questionnaire.closed:
        if question.other is None:
            continue
        typed: dict[str, int] = {}
        for cell, size in _distinct(responses[question.id]).items():
            text = read_cell(cell, question, separator).write_in if cell else None
            if text:
                typed[text] = typed.get(text, 0) + size
        often = sorted(((n, t) for t, n in typed.items() if n >= REPEATED_WRITE_IN), reverse=True)
        if often:
            shown = "; ".join(f"{redact_verbatim(t)[:60]!r} ({n})" for n, t in often[:3])
            notes.append(
                f"{question.id}: write-ins typed by several respondents, counted as {question.other}: {shown}. If "
                "one is an option of the form, add it to questionnaire.yaml."
            )
    return notes


def _check_answers(
    responses: pd.DataFrame, questionnaire: Questionnaire, path: Path, separator: str, first_row: int
) -> None:
    """Every closed cell must name known options (in a question with an Other option, what is left is
    a write-in), no more than ``max_choices`` of them, a ranking each option once, and no cell may hold
    a label that is also other options joined by the separator (it has two readings).

    Each distinct cell value is checked once, so a million rows cost a few thousand checks; the
    error counts every failing cell and lists the first few with their file row numbers.
    """
    problems: list[str] = []
    expected: dict[str, tuple[str, ...]] = {}  # options of each question shown with an unknown option
    ambiguous: dict[str, str] = {}  # question id -> the label with two readings
    total = 0
    duplicated = _duplicated(responses["response_id"])
    if duplicated.any():
        rows = np.flatnonzero(duplicated) + first_row
        total += len(rows)
        problems += [
            f"row {r}, column response_id: duplicate response id "
            f"{responses.at[r - first_row, 'response_id']!r}"
            for r in rows[:SHOWN_FAILURES].tolist()
        ]
    for question in questionnaire.closed:
        column = responses[question.id]
        issues = {cell: _cell_problem(cell, question, separator) for cell in _distinct(column) if cell}
        bad = [cell for cell, issue in issues.items() if issue]
        if not bad:
            continue
        failing = np.flatnonzero(column.isin(bad).to_numpy())
        total += len(failing)
        if len(problems) >= SHOWN_FAILURES:
            continue  # only the count is still needed
        # The first rows of each bad value, values in order of first appearance (as a person reads).
        rows_by_value: dict[str, list[int]] = {}
        for row, cell in zip(failing.tolist(), column.iloc[failing].tolist(), strict=True):
            rows = rows_by_value.setdefault(cell, [])
            if len(rows) < SHOWN_FAILURES:
                rows.append(row)
        problems += [
            f"row {row + first_row}, question {question.id}: {issues[cell]}"
            for cell, rows in rows_by_value.items()
            for row in rows
        ]
        if any("unknown option" in issues[cell] for cell in rows_by_value):
            expected[question.id] = question.options
        two = [read_cell(c, question, separator).ambiguous for c in rows_by_value if "two readings" in issues[c]]
        if two:
            ambiguous[question.id] = two[0]
    if problems:
        # The options are named once per question, not on every line: the message stays short.
        note = " ".join(f"Options of {qid}: {'; '.join(options)}." for qid, options in expected.items())
        for qid, label in ambiguous.items():
            parts = ambiguous_labels(questionnaire[qid].options, separator)[label]
            note += (
                f" In {qid} the option {label!r} is also {' + '.join(repr(p) for p in parts)} joined by "
                f"{separator!r}, so no count of these cells can be trusted: load an export whose choices are "
                "joined by ';' (Google Forms' own CSV download) and set export: separator: ';'."
            )
        raise failures_error(problems, path, total=total, note=note.strip())


def _duplicated(ids: pd.Series) -> np.ndarray:
    """``ids.duplicated(keep="first")`` as an array. Ids that read as strictly increasing integers
    (Forms numbers its submissions 1, 2, 3...) are distinct, since equal texts read as equal numbers,
    so the usual export is cleared without hashing a million strings; anything else is hashed."""
    if isinstance(ids.array, pd.arrays.ArrowStringArray) and len(ids) > 1:
        try:
            numbers = pc.cast(ids.array.__arrow_array__(), pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers = None
        if numbers is not None and numbers.null_count == 0:
            values = numbers.to_numpy()
            if bool(np.all(values[1:] > values[:-1])):
                return np.zeros(len(ids), dtype=bool)
    return ids.duplicated(keep="first").to_numpy()


def _cell_problem(cell: str, question: Question, separator: str) -> str | None:
    reading = read_cell(cell, question, separator)
    if reading.problem:
        return reading.problem
    if reading.ambiguous:
        return f"{reading.ambiguous!r} has two readings (one option, or several joined by {separator!r})"
    return None
