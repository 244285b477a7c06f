"""Reading the text and workbook files of a dataset: encodings, CSV through Arrow's parallel reader
(with pandas as the reference for anything Arrow is unsure of) and the XLSX engine."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from zqf_analysis.data.detect import HEAD_BYTES, sniff_encoding
from zqf_analysis.errors import DataError


def decode_bytes(data: bytes, file: str | Path, encoding: str | None = None) -> str:
    """Text of a file in ``encoding`` (a Python codec, see :func:`zqf_analysis.data.detect.sniff_encoding`),
    or when None: UTF-16 when a byte-order mark or zero bytes say so, UTF-8 (a byte-order mark is
    dropped), else Windows-1252; a file that decodes in none of them is a clear error."""
    if not data.strip():
        raise DataError("the file is empty", file=file)
    if encoding is None:
        encoding, _ = sniff_encoding(data[:HEAD_BYTES])
        if encoding == "cp1252":
            encoding = "utf-8-sig"  # the whole file is tried as UTF-8 first, then Windows-1252
        strict = encoding != "utf-8-sig"
    else:
        strict = True
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as first:
        if strict:
            raise DataError(
                f"cannot decode the file as {encoding} (byte 0x{data[first.start]:02x} at offset {first.start}); "
                "set export: encoding: in questionnaire.yaml to how it was saved (utf-8, utf-16 or cp1252)",
                file=file,
            ) from None
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DataError(
                f"cannot decode the file: not UTF-8 (bad byte at offset {first.start}) and not "
                f"Windows-1252 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8, or set "
                "export: encoding: in questionnaire.yaml",
                file=file,
            ) from None


def read_text_table(path: str | Path, separator: str = ",", encoding: str | None = None) -> pd.DataFrame:
    """A CSV file as a frame of strings (empty cells are ""), refusing empty and header-only files.

    ``separator`` is the field delimiter; ``encoding`` a Python codec (None: see :func:`decode_bytes`).
    Well-formed UTF-8 files are parsed by Arrow's multi-threaded reader; anything it is not sure of
    (another encoding, ragged rows, blank or repeated header names) goes through pandas, whose
    messages and column naming are the reference, so both routes give the same frame.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path)
    frame = _read_csv_arrow(path, separator) if encoding in (None, "utf-8", "utf-8-sig") else None
    if frame is None:
        frame = _read_csv_pandas(path, separator, encoding)
    if frame.empty:
        raise DataError("the file has a header but no data rows", file=path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_csv_pandas(path: Path, separator: str, encoding: str | None = None) -> pd.DataFrame:
    text = decode_bytes(path.read_bytes(), path, encoding)
    try:
        return pd.read_csv(
            io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, na_filter=False, engine="c"
        )
    except pd.errors.ParserError as exc:
        raise DataError(f"not a valid CSV file: {exc}", file=path) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", file=path) from None


#: Bytes read to find the header row before the whole file is handed to Arrow.
_HEAD_BYTES = HEAD_BYTES


#: Arrow parses blocks of this size in parallel; each becomes one chunk of every column. Arrow's
#: 1 MB default cuts a million-row export into ~1,000 chunks a column, whose per-chunk overhead
#: then dominates every later column operation.
_BLOCK_BYTES = 1 << 23


def csv_memory_pool() -> pa.MemoryPool | None:
    """Arrow's jemalloc pool where this pyarrow has one (Linux, macOS wheels), else the default.

    Measured on a million-row export (bench/bench_scale.py): the default mimalloc pool spent about
    three times as much kernel time returning and re-faulting memory (6 s against 2 s) for the same
    parse, and the whole load took 11 s against 7 s.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


def _read_csv_arrow(path: Path, separator: str) -> pd.DataFrame | None:
    """The CSV parsed by Arrow with every column as text, or None when pandas must decide."""
    header = csv_header(path, separator)
    if header is None:
        return None
    table = read_csv_arrow_table(path, separator, header)
    if table is None:
        return None
    return table.rename_columns(header).to_pandas()


def csv_header(path: Path, separator: str) -> list[str] | None:
    """The header row as Python's csv module reads it, or None when Arrow should not read the file:
    a separator Arrow cannot take, a bad byte, an empty file, or unnamed or repeated columns (pandas
    names those: Unnamed: 3, X.1)."""
    if len(separator) != 1:
        return None
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    try:
        head_text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a bad byte, not a character cut by the read's end
            return None
        head_text = head[: exc.start].decode("utf-8-sig")
    records = csv.reader(io.StringIO(head_text), delimiter=separator)
    header = next((record for record in records if record), None)
    if not header or any(not name.strip() for name in header) or len(set(header)) < len(header):
        return None
    return header


def read_csv_arrow_table(
    path: Path, separator: str, header: list[str], column_types: dict[int, pa.DataType] | None = None
) -> pa.Table | None:
    """The data rows parsed by Arrow, or None when pandas must decide (not UTF-8, ragged rows, a
    header Arrow reads differently from Python's csv module).

    ``column_types`` maps the positions of the columns wanted to their Arrow type (``pa.string()``,
    or a string dictionary, which Arrow builds while parsing and so never holds the repeated text);
    the others are parsed (every row must still have the header's width) but not kept. Without it,
    every column is kept as text. Columns are named ``c0``, ``c1``... by position.
    """
    names = [f"c{i}" for i in range(len(header))]
    if column_types is None:
        column_types = dict.fromkeys(range(len(header)), pa.string())
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, block_size=_BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(delimiter=separator, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={names[i]: kind for i, kind in column_types.items()},
                include_columns=[names[i] for i in sorted(column_types)],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
            memory_pool=csv_memory_pool(),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError):
        return None  # not UTF-8, ragged rows, ...: pandas reads it or reports the problem
    if table.num_rows == 0 or any(table.column(names[i])[0].as_py() != header[i] for i in column_types):
        return None  # the header did not parse as Python's csv module read it: let pandas decide
    return table.slice(1)


def xlsx_engine() -> str:
    """The pandas engine for reading XLSX: ``calamine`` (Rust; about 15x faster than openpyxl on a
    large export, same cells) when python-calamine is installed, else ``openpyxl``."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl"
    major, minor = (int(part) for part in pd.__version__.split(".")[:2])
    return "calamine" if (major, minor) >= (2, 2) else "openpyxl"  # pandas reads calamine from 2.2


def rows_below(grid: pd.DataFrame, header: int, path: Path) -> pd.DataFrame:
    """A sheet's cells (text, blanks as "") below its header row ``header``, named by that row: unnamed
    columns and empty rows dropped; DataError when no row is left."""
    body = grid.iloc[header + 1 :].reset_index(drop=True)
    body.columns = [str(c).strip() for c in grid.iloc[header]]
    body = body.loc[:, [c != "" for c in body.columns]]
    body = body[(body != "").any(axis=1)].reset_index(drop=True)
    if body.empty:
        raise DataError("the workbook has a header but no data rows", file=path)
    return body
