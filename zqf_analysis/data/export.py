"""Per-respondent exports as Microsoft Forms and Google Forms write them (CSV or XLSX): the columns
mapped to questions, every cell checked against the questionnaire, and the answers tabulated into the
tables a published dataset has."""

from __future__ import annotations

import functools
import re
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from zqf_analysis.data.files import csv_header, csv_memory_pool, read_csv_arrow_table, read_text_table, xlsx_engine
from zqf_analysis.data.questionnaire import Question, Questionnaire
from zqf_analysis.data.validate import (
    SHOWN_FAILURES,
    failures_error,
)
from zqf_analysis.errors import DataError

#: Columns that Microsoft Forms and Google Forms add to an export besides the questions.
FORM_METADATA_COLUMNS = (
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Last modified time",
    "Timestamp",
    "Email address",
    "Total points",
    "Score",
)


RESPONSE_ID_COLUMNS = ("ID", "response_id", "Response ID")


#: How many rows above the header an XLSX export may carry (titles, notes, blank rows).
MAX_TITLE_ROWS = 20


def read_export(
    path: str | Path,
    questionnaire: Questionnaire,
    separator: str = ";",
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a per-respondent export and check every cell against the questionnaire.

    Returns one row per submission with a ``response_id`` column and one column per question id,
    every cell stripped of surrounding whitespace. The answers that get tabulated (closed questions
    and the institution) are pandas categoricals with the distinct answers, sorted, as categories,
    exactly ``column.astype("category")`` of the text: a million rows hold each long option label
    once instead of a million times, and counting them is counting integer codes. Multi-select
    cells stay joined by ``separator`` (:func:`tabulate_export` splits them); the response id and
    open answers stay text.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("export file not found", file=path)
    responses = None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw, header_row = _read_xlsx(path, questionnaire, sheet)
    elif path.suffix.lower() in (".csv", ".txt"):
        responses, header_row = _read_export_csv_arrow(path, questionnaire), 1
        raw = read_text_table(path) if responses is None else None
    else:
        raise DataError(f"unsupported export format {path.suffix!r}; expected .csv or .xlsx", file=path)
    if responses is None:
        responses = _map_columns(raw, questionnaire, path)
    _check_answers(responses, questionnaire, path, separator, first_row=header_row + 1)
    return responses


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
    wanted = {_normal(h) for q in questionnaire.questions for h in _headers_for(q)}
    for position in range(min(MAX_TITLE_ROWS, len(grid))):
        cells = [_normal(str(c)) for c in grid.iloc[position]]
        if sum(c in wanted for c in cells) >= max(1, len(questionnaire.questions) // 2):
            body = grid.iloc[position + 1 :].reset_index(drop=True)
            body.columns = [str(c).strip() for c in grid.iloc[position]]
            body = body.loc[:, [c != "" for c in body.columns]]
            body = body[(body != "").any(axis=1)].reset_index(drop=True)
            if body.empty:
                raise DataError("the workbook has a header but no data rows", file=path)
            return body, position + 1
    raise DataError(
        f"no header row found in the first {MAX_TITLE_ROWS} rows: expected a row naming the questions "
        f"({', '.join(questionnaire.ids)} or their wording)",
        file=path,
    )


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _headers_for(question: Question) -> list[str]:
    headers = [question.id]
    if question.column:
        headers.append(question.column)
    if question.text:
        headers.append(question.text)
    return headers


def _column_plan(columns: list[str], questionnaire: Questionnaire, path: Path) -> tuple[dict[str, str], str | None]:
    """Which export column holds each question (column -> question id, in the file's order) and which
    holds the response id (or None); extra or missing columns are an error."""
    by_header = {_normal(h): q.id for q in questionnaire.questions for h in _headers_for(q)}
    metadata = {_normal(c) for c in FORM_METADATA_COLUMNS}
    rename: dict[str, str] = {}
    extra: list[str] = []
    id_column = None
    for column in columns:
        key = _normal(column)
        if key in by_header:
            if by_header[key] in rename.values():
                raise DataError(f"two columns map to question {by_header[key]}", file=path, column=column)
            rename[column] = by_header[key]
        elif key in {_normal(c) for c in RESPONSE_ID_COLUMNS} and id_column is None:
            id_column = column
        elif key not in metadata:
            extra.append(column)
    missing = [q.id for q in questionnaire.questions if q.id not in rename.values()]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no column for question(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(repr(c) for c in extra)}")
        raise DataError(
            "; ".join(parts) + "; expected one column per question (headed by its id, its 'column' or its "
            f"wording in questionnaire.yaml) plus form metadata ({', '.join(FORM_METADATA_COLUMNS)})",
            file=path,
        )
    return rename, id_column


def _tabulated_ids(questionnaire: Questionnaire) -> set[str]:
    """Question ids whose answers are counted (closed questions and the institution): stored as
    categoricals. Open answers are only kept, so they stay text."""
    ids = {q.id for q in questionnaire.closed}
    if questionnaire.institution is not None:
        ids.add(questionnaire.institution.id)
    return ids


def _map_columns(raw: pd.DataFrame, questionnaire: Questionnaire, path: Path) -> pd.DataFrame:
    """Rename the export's columns to question ids (extra or missing columns are an error), strip
    every cell, and store the tabulated answers as categoricals (see :func:`read_export`)."""
    rename, id_column = _column_plan(list(raw.columns), questionnaire, path)
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
    return responses.reset_index(drop=True)


def _read_export_csv_arrow(path: Path, questionnaire: Questionnaire) -> pd.DataFrame | None:
    """The responses of a CSV export read by Arrow, keeping only the columns it needs, or None when
    the plain route (:func:`read_text_table` then :func:`_map_columns`) must read the file or report
    its problem.

    The tabulated answers are dictionary-encoded while parsing (each distinct cell text is held once);
    form metadata columns are parsed but never converted. The result equals the plain route's.
    """
    header = csv_header(path, ",")
    if header is None:
        return None
    columns = [name.strip() for name in header]
    try:
        rename, id_column = _column_plan(columns, questionnaire, path)
    except DataError:
        return None  # the plain route reports it, after its own checks (empty file, no data rows)
    position = {name: i for i, name in enumerate(columns)}
    tabulated = _tabulated_ids(questionnaire)
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {position[column]: dictionary if qid in tabulated else pa.string() for column, qid in rename.items()}
    if id_column is not None:
        types[position[id_column]] = pa.string()
    table = read_csv_arrow_table(path, ",", header, types)
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


def split_choices(cell: str, options: tuple[str, ...], separator: str) -> list[str]:
    """The options chosen in one multi-select cell, in the form's order.

    Options whose label contains the separator (Google Forms joins with ``", "`` and labels contain
    commas) are matched whole first, so "Not certain, we do not have relevant data" stays one choice.
    Unknown pieces are returned prefixed with ``"?"`` for the caller to report.

    >>> split_choices("Badges;Other;", ("Badges", "Other"), ";")
    ['Badges', 'Other']
    >>> split_choices("Not certain, we do not have data, Other", ("Not certain, we do not have data", "Other"), ", ")
    ['Not certain, we do not have data', 'Other']
    """
    return list(_split_choices(cell, tuple(options), separator))


@functools.lru_cache(maxsize=1 << 18)
def _split_choices(cell: str, options: tuple[str, ...], separator: str) -> tuple[str, ...]:
    # Cached: validation and tabulation both split each distinct cell, and a big export repeats them.
    whole, splitter, labels = _choice_patterns(options, separator)
    rest = cell.strip()
    known: set[str] = set()
    unknown: list[str] = []
    for option, pattern in whole:
        if pattern.search(rest):
            known.add(option)
            rest = pattern.sub(separator, rest, count=1)
    for piece in rest.split(splitter):
        piece = piece.strip()
        if piece in labels:
            known.add(piece)
        elif piece:
            unknown.append(f"?{piece}")
    return tuple([o for o in options if o in known] + unknown)


@functools.lru_cache(maxsize=256)
def _choice_patterns(
    options: tuple[str, ...], separator: str
) -> tuple[tuple[tuple[str, re.Pattern], ...], str, frozenset[str]]:
    """The options whose label contains the separator, longest first, each with the pattern that finds
    it whole between separators; what to split the rest on; the set of labels. Built once per question,
    not once per cell."""
    joined = sorted((o for o in options if separator.strip() in o), key=len, reverse=True)
    sep = re.escape(separator)
    whole = tuple((o, re.compile(rf"(?:^|{sep}){re.escape(o)}(?={sep}|$)")) for o in joined)
    return whole, separator.strip() or separator, frozenset(options)


def _check_answers(
    responses: pd.DataFrame, questionnaire: Questionnaire, path: Path, separator: str, first_row: int
) -> None:
    """Every closed cell must name known options, and no more than ``max_choices`` of them.

    Each distinct cell value is checked once, so a million rows cost a few thousand checks; the
    error counts every failing cell and lists the first few with their file row numbers.
    """
    problems: list[str] = []
    expected: dict[str, tuple[str, ...]] = {}  # options of each question shown with an unknown option
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
        shown = [
            f"row {row + first_row}, question {question.id}: {issues[cell]}"
            for cell, rows in rows_by_value.items()
            for row in rows
        ]
        if any("unknown option" in issues[cell] for cell in rows_by_value):
            expected[question.id] = question.options
        problems += shown
    if problems:
        # The options are named once per question, not on every line: the message stays short.
        note = " ".join(f"Options of {qid}: {'; '.join(options)}." for qid, options in expected.items())
        raise failures_error(problems, path, total=total, note=note)


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


def _distinct(column: pd.Series) -> dict[str, int]:
    """Each distinct cell value and how many rows hold it (one hash pass over the column).

    A categorical column (as :func:`read_export` returns the closed answers) is counted from its
    integer codes. For a text column the answer is remembered while its (immutable) Arrow data
    lives, since checking and tabulating an export both need it for every closed column.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        categories = column.cat.categories
        sizes = np.bincount(codes[codes >= 0], minlength=len(categories))
        return {str(value): size for value, size in zip(categories.tolist(), sizes.tolist(), strict=True) if size}
    data = column.array.__arrow_array__() if isinstance(column.array, pd.arrays.ArrowStringArray) else None
    if data is not None:
        remembered = _DISTINCT_SEEN.get(id(data))
        if remembered is not None and remembered[0]() is data:
            return remembered[1]
    sizes = column.value_counts(sort=False, dropna=False)
    distinct = {str(value): int(size) for value, size in zip(sizes.index, sizes.to_numpy(), strict=True)}
    if data is not None:
        key = id(data)
        _DISTINCT_SEEN[key] = (weakref.ref(data, lambda _ref: _DISTINCT_SEEN.pop(key, None)), distinct)
    return distinct


_DISTINCT_SEEN: dict[int, tuple[weakref.ref, dict[str, int]]] = {}


def _cell_problem(cell: str, question: Question, separator: str) -> str | None:
    if question.type == "single":
        if cell not in question.options:
            return f"unknown option {cell!r}"
        return None
    chosen = split_choices(cell, question.options, separator)
    unknown = [c[1:] for c in chosen if c.startswith("?")]
    if unknown:
        return f"unknown option {unknown[0]!r}"
    if question.max_choices is not None and len(chosen) > question.max_choices:
        return f"{len(chosen)} options chosen, but the question allows at most {question.max_choices}"
    return None


def tabulate_export(responses: pd.DataFrame, questionnaire: Questionnaire, separator: str = ";") -> dict:
    """Turn a checked export into the published tables: counts, open responses and institutions.

    Counts have status ``tabulated`` and a ``base`` equal to the submissions that answered the
    question (non-empty cell), which is the honest denominator for its shares. Each distinct cell is
    split once and weighted by how many rows hold it, so the cost grows with the rows only through
    one factorisation per column.
    """
    rows = []
    for question in questionnaire.closed:
        tally = dict.fromkeys(question.options, 0)
        base = 0
        for cell, size in _distinct(responses[question.id]).items():
            if not cell:
                continue
            base += size
            if question.type == "single":
                chosen: tuple[str, ...] = (cell,)
            else:
                chosen = _split_choices(cell, question.options, separator)
            for option in chosen:
                tally[option] += size
        for option, count in tally.items():
            rows.append(
                {
                    "question_id": question.id,
                    "option": option,
                    "count": count,
                    "status": "tabulated",
                    "source": "tabulated from the per-respondent export",
                    "base": base,
                }
            )
    counts = pd.DataFrame(rows, columns=["question_id", "option", "count", "status", "source", "base"])
    counts["count"] = counts["count"].astype("Int64")

    open_ids = [q.id for q in questionnaire.open]
    arrow_text = all(isinstance(responses[c].array, pd.arrays.ArrowStringArray) for c in ["response_id", *open_ids])
    open_responses = (_open_answers_arrow if arrow_text and open_ids else _open_answers)(responses, open_ids)

    institution = questionnaire.institution
    if institution is not None:
        # Institutions in order of first appearance, each with its number of submissions.
        codes, uniques = pd.factorize(responses[institution.id], sort=False)
        names = [str(name) for name in uniques]
        sizes = np.bincount(codes, minlength=len(names))
        named = [i for i, name in enumerate(names) if name]
        institutions = pd.DataFrame(
            {
                "institution": pd.Index([names[i] for i in named], dtype=str),
                "submissions": sizes[named].astype(int),
                "source": "tabulated from the per-respondent export",
            }
        )
    else:
        institutions = pd.DataFrame(columns=["institution", "submissions", "source"])
    return {
        "counts": counts,
        "open_responses": open_responses.reset_index(drop=True),
        "institutions": institutions.reset_index(drop=True),
    }


def _open_answers(responses: pd.DataFrame, open_ids: list[str]) -> pd.DataFrame:
    """The answered (non-empty) cells of the open questions: question_id, response_id, text, question
    by question in row order."""
    frames = []
    for qid in open_ids:
        answered = (responses[qid] != "").to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "question_id": qid,
                    "response_id": responses["response_id"][answered],
                    "text": responses[qid][answered],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["question_id", "response_id", "text"])
    return pd.concat(frames, ignore_index=True)


def _open_answers_arrow(responses: pd.DataFrame, open_ids: list[str]) -> pd.DataFrame:
    """:func:`_open_answers` for Arrow text (what :func:`read_export` returns), with Arrow's kernels
    writing into the jemalloc pool: the answered text of the million-row benchmark export is about
    150 MB, which pandas' own filter (default pool) copied in 0.54 s, 0.46 s of it kernel time,
    against 0.23 s here (see :func:`csv_memory_pool`)."""
    pool = csv_memory_pool()
    ids = responses["response_id"].array.__arrow_array__()
    parts = []
    for qid in open_ids:
        text = responses[qid].array.__arrow_array__()
        answered = pc.fill_null(pc.not_equal(text, ""), True)  # a missing cell is kept, as != "" keeps it
        kept = pc.filter(text, answered, memory_pool=pool)
        parts.append(
            pa.table(
                {
                    "question_id": pa.repeat(pa.scalar(qid, pa.string()), len(kept), memory_pool=pool),
                    "response_id": pc.filter(ids, answered, memory_pool=pool),
                    "text": kept,
                }
            )
        )
    return pa.concat_tables(parts).to_pandas()

