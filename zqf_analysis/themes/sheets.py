"""Coding sheets for people: a workbook a second coder fills in (one row per answer, one column per
code, marks checked by Excel's data validation, the codebook on its own sheet), and reading the
filled sheet back as a coded sample (``response_id, codes, text``).

In the sheet ``coding``, a code applies when its cell holds 1 (``x``, ``yes`` and ``true`` are read
as 1 too; 0 or an empty cell: it does not). ``primary`` may name the answer's primary code (else the
first marked code, in codebook order, is). ``no_code`` = 1 says that none of the codes applies: a
row with no mark at all is taken as not coded yet and left out (counted in the reader's message).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from zqf_analysis.errors import DataError
from zqf_analysis.themes.codebook import Codebook

CODING_SHEET = "coding"
CODEBOOK_SHEET = "codebook"
FIXED_COLUMNS = ("response_id", "text")
NO_CODE = "no_code"
PRIMARY = "primary"
NOTE = "note"
_YES = {"1", "x", "yes", "y", "true"}
_NO = {"", "0", "no", "n", "false"}
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def coding_workbook(answers: pd.DataFrame, codebook: Codebook) -> Workbook:
    """The workbook for a second coder: sheet ``coding`` (``response_id, text``, one column per code,
    ``no_code``, ``primary``, ``note``) and sheet ``codebook`` (code, label, definition, indicators,
    examples)."""
    from zqf_analysis.report.excel import write_text

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = CODING_SHEET
    headers = [*FIXED_COLUMNS, *codebook.names, NO_CODE, PRIMARY, NOTE]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        write_text(cell, header)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    for row, (rid, text) in enumerate(zip(answers["response_id"], answers["text"], strict=True), start=2):
        write_text(sheet.cell(row=row, column=1), rid)
        write_text(sheet.cell(row=row, column=2), text)
        sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    last = len(answers) + 1
    first_code, last_mark = 3, 3 + len(codebook.names)  # the code columns and no_code
    marks = DataValidation(
        type="list",
        formula1='"1,0"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="1 or 0",
        error="Type 1 when the code applies (0 or empty when it does not).",
    )
    primary = DataValidation(
        type="list",
        formula1=f"={CODEBOOK_SHEET}!$A$2:$A${len(codebook.names) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="a code",
        error="The primary code must be one of the codes on the codebook sheet.",
    )
    sheet.add_data_validation(marks)
    sheet.add_data_validation(primary)
    if last >= 2:
        for column in range(first_code, last_mark + 1):
            letter = sheet.cell(row=1, column=column).column_letter
            marks.add(f"{letter}2:{letter}{last}")
        letter = sheet.cell(row=1, column=last_mark + 1).column_letter
        primary.add(f"{letter}2:{letter}{last}")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 70
    sheet.freeze_panes = "C2"

    book = workbook.create_sheet(CODEBOOK_SHEET)
    for column, header in enumerate(("code", "label", "definition", "indicators", "examples"), start=1):
        cell = book.cell(row=1, column=column)
        write_text(cell, header)
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    for row, code in enumerate(codebook.codes, start=2):
        values = (code.code, code.label, code.definition, ", ".join(code.indicators), " | ".join(code.examples))
        for column, value in enumerate(values, start=1):
            write_text(book.cell(row=row, column=column), value)
            book.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (22, 40, 70, 50, 60), strict=True):
        book.column_dimensions[letter].width = width
    return workbook


def write_coding_sheet(path: str | Path, answers: pd.DataFrame, codebook: Codebook) -> Path:
    """Write :func:`coding_workbook` atomically (the same bytes for the same answers and codebook)."""
    from zqf_analysis.io import write_bytes_atomic
    from zqf_analysis.report.excel import stable_bytes

    return write_bytes_atomic(path, stable_bytes(coding_workbook(answers, codebook)))


def read_coding_sheet(path: str | Path) -> tuple[pd.DataFrame, int]:
    """A filled coding sheet as a coded sample (``response_id, codes, text``; codes joined with ``|``,
    the primary code first) and the number of rows left out because nothing was marked in them.
    A mark other than 1/0, a primary code that is not marked or not a code, or ``no_code`` beside a
    code is a DataError naming the cell."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DataError(f"not an Excel workbook (.xlsx): {exc}", file=path) from None
    if CODING_SHEET not in workbook.sheetnames:
        raise DataError(f"no sheet named {CODING_SHEET!r} (was it made by coding-sheet?)", file=path)
    rows = list(workbook[CODING_SHEET].iter_rows(values_only=True))
    workbook.close()
    if not rows:
        raise DataError(f"sheet {CODING_SHEET!r} is empty", file=path)
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    for required in (*FIXED_COLUMNS, NO_CODE, PRIMARY):
        if required not in headers:
            raise DataError(f"sheet {CODING_SHEET!r} has no column {required!r}", file=path, column=required)
    first, last = headers.index("text") + 1, headers.index(NO_CODE)
    codes = headers[first:last]
    records, not_coded = [], 0
    for number, values in enumerate(rows[1:], start=2):
        cells = dict(zip(headers, values, strict=False))
        rid = _text(cells.get("response_id"))
        if not rid:
            continue
        marked = [c for c in codes if _mark(cells.get(c), path, number, c)]
        none = _mark(cells.get(NO_CODE), path, number, NO_CODE)
        chosen = _text(cells.get(PRIMARY))
        if none and marked:
            raise DataError(f"{NO_CODE} is marked beside code(s) {', '.join(marked)}", file=path, row=number)
        if chosen and chosen not in codes:
            raise DataError(f"primary {chosen!r} is not a code of the sheet", file=path, row=number, column=PRIMARY)
        if chosen and chosen not in marked:
            raise DataError(f"primary {chosen!r} is not marked in its column", file=path, row=number, column=PRIMARY)
        if not marked and not none:
            not_coded += 1
            continue
        ordered = ([chosen] if chosen else []) + [c for c in marked if c != chosen]
        records.append({"response_id": rid, "codes": "|".join(ordered), "text": _text(cells.get("text"))})
    return pd.DataFrame(records, columns=["response_id", "codes", "text"]), not_coded


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _mark(value: object, path: Path, row: int, column: str) -> bool:
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise DataError(f"mark {value!r}: expected 1 (the code applies) or 0/empty", file=path, row=row, column=column)
