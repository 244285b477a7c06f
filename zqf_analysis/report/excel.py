"""One Excel workbook of the descriptive tables and the audit, for the people who write the next report.

Every text cell is written as a string (a respondent's ``=HYPERLINK(...)`` stays text, never a formula),
and the file is byte-stable: fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zqf_analysis.errors import DataError
from zqf_analysis.io import write_bytes_atomic

#: Columns written as numbers with a percentage format.
PERCENT_COLUMNS = ("share", "ci_low", "ci_high", "share_of_submissions", "first_choice_share")
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_DISAGREE_FILL = PatternFill("solid", fgColor="F8D7DA")
_MAX_WIDTH = 70


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title line, notes under it, then ``table`` with a header row."""

    name: str
    title: str
    table: pd.DataFrame
    notes: Sequence[str] = field(default_factory=tuple)


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: forbidden characters replaced, at most 31 characters.

    >>> sheet_name("Q1/Q2: [profile]?", set())
    'Q1_Q2_ _profile__'
    """
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "sheet"
    cleaned = cleaned[:31]
    candidate, number = cleaned, 2
    while candidate.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({number})"
        candidate = cleaned[: 31 - len(suffix)] + suffix
        number += 1
    return candidate


def write_text(cell, value: object) -> None:
    """Put ``value`` in ``cell`` as text, never as a formula, whatever it starts with."""
    cell.value = "" if value is None else str(value)
    cell.data_type = "s"  # never a formula, whatever the text starts with


def _write_value(cell, value: object, percent: bool) -> None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        cell.value = None
    elif isinstance(value, bool):
        write_text(cell, "True" if value else "False")
    elif isinstance(value, (int, float)) or hasattr(value, "item"):
        cell.value = value.item() if hasattr(value, "item") else value
        if percent:
            cell.number_format = "0.0%"
    else:
        write_text(cell, value)


def build_workbook(sheets: Sequence[Sheet]) -> Workbook:
    """An openpyxl workbook holding ``sheets`` in order; rows whose ``verdict`` is ``disagrees`` are
    shaded so disagreements stand out."""
    if not sheets:
        raise DataError("a workbook needs at least one sheet")
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for sheet in sheets:
        name = sheet_name(sheet.name, taken)
        taken.add(name)
        worksheet = workbook.create_sheet(name)
        write_text(worksheet.cell(row=1, column=1), sheet.title)
        worksheet.cell(row=1, column=1).font = Font(bold=True, size=12)
        row = 2
        for note in sheet.notes:
            write_text(worksheet.cell(row=row, column=1), note)
            worksheet.cell(row=row, column=1).font = Font(italic=True, color="444444")
            row += 1
        row += 1
        header_row = row
        columns = [str(c) for c in sheet.table.columns]
        for column, label in enumerate(columns, start=1):
            cell = worksheet.cell(row=header_row, column=column)
            write_text(cell, label)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
        for values in sheet.table.itertuples(index=False):
            row += 1
            disagrees = "verdict" in columns and values[columns.index("verdict")] == "disagrees"
            for column, (label, value) in enumerate(zip(columns, values, strict=True), start=1):
                cell = worksheet.cell(row=row, column=column)
                _write_value(cell, value, label in PERCENT_COLUMNS)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if disagrees:
                    cell.fill = _DISAGREE_FILL
        for column, label in enumerate(columns, start=1):
            longest = max([len(label)] + [len(str(v)) for v in sheet.table.iloc[:, column - 1]])
            worksheet.column_dimensions[get_column_letter(column)].width = min(
                _MAX_WIDTH, max(8, longest + 2)
            )
        worksheet.freeze_panes = worksheet.cell(row=header_row + 1, column=1)
    return workbook


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as .xlsx bytes that are identical on every run for the same sheets."""
    return stable_bytes(build_workbook(sheets))


def stable_bytes(workbook: Workbook) -> bytes:
    """Any openpyxl ``workbook`` as .xlsx bytes that are identical on every run (fixed dates)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed entry times and document dates (openpyxl stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{FIXED_TIMESTAMP}\g<3>",
                    text,
                )
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return output.getvalue()


def write_workbook(path: str | Path, sheets: Sequence[Sheet]) -> Path:
    """Write the workbook atomically (an unchanged file keeps its bytes and timestamp)."""
    return write_bytes_atomic(path, workbook_bytes(sheets))


def describe_sheets(
    summary: pd.DataFrame,
    questionnaire,
    notes: dict[str, list[str]],
    audit: pd.DataFrame | None = None,
    profile: pd.DataFrame | None = None,
    by_type: pd.DataFrame | None = None,
    rankings: pd.DataFrame | None = None,
) -> list[Sheet]:
    """The sheets of ``tables.xlsx``: the respondent profile, one per closed question (the columns of
    ``closed_summary.csv``, a lost count written as "not legible in source"; ``write_ins`` on an Other
    row counts its typed answers), the ranking questions' ranks (``rankings``, from
    ``describe.ranking_summary``) and the audit."""
    from zqf_analysis.data.validate import NOT_LEGIBLE

    sheets: list[Sheet] = []
    if profile is not None:
        sheets.append(Sheet("institutions", "Submissions by institution", profile))
    if by_type is not None:
        sheets.append(Sheet("institution types", "Submissions by institution type", by_type))
    for question in questionnaire.closed:
        rows = summary[summary["question_id"] == question.id].drop(columns="question_id")
        rows = rows.astype({"count": object})
        rows.loc[rows["count"].isna(), "count"] = NOT_LEGIBLE
        sheets.append(
            Sheet(
                question.id,
                f"{question.id}. {question.text}",
                rows.reset_index(drop=True),
                notes=tuple(notes.get(question.id, ())),
            )
        )
    if rankings is not None and not rankings.empty:
        ranking_notes = (
            "mean_rank: 1 is first, over the respondents who ranked the option; first_choice_share: of the "
            "respondents who answered the question.",
        )
        sheets.append(Sheet("rankings", "Ranking questions: mean rank and first choices", rankings, ranking_notes))
    if audit is not None:
        audit_notes = ("Every figure the report states, recomputed from the data. Shaded rows disagree.",)
        if audit.empty:
            audit_notes = ("This dataset has no claims.csv: no claims to audit.",)
        sheets.append(Sheet("audit", "Audit of the report's figures", audit, notes=audit_notes))
    return sheets


# ------------------------------------------------------------------------- one workbook, several notebooks

#: Where each notebook's sheets are kept (next to the workbook), so that notebooks running at the same
#: time in different build jobs each add their sheets without removing the other's.
PARTS_FOLDER = ".tables"
_LOCK_WAIT_S = 120.0


def write_workbook_part(path: str | Path, part: str, sheets: Sequence[Sheet]) -> Path:
    """Store ``sheets`` as the part ``part`` (a notebook's name) of the workbook at ``path`` and write
    the workbook anew from every part there, in the parts' name order (``02_describe`` before
    ``04_groups``): each notebook owns its sheets, and whichever finishes last writes them all. Under
    the build (:data:`DEFER_VARIABLE`) only the part is stored, and its path returned.

    Parts are JSON files in ``.tables/`` beside the workbook; the rewrite happens under a lock file,
    so two notebooks finishing together cannot drop each other's sheets. Byte-stable as
    :func:`write_workbook`.
    """
    import json
    import os

    path = Path(path)
    folder = path.parent / PARTS_FOLDER
    record = [_sheet_record(sheet) for sheet in sheets]
    with _workbook_lock(folder / ".lock"):
        stored = write_bytes_atomic(folder / f"{part}.json", json.dumps(record, ensure_ascii=False).encode("utf-8"))
        parts = sum(p.stat().st_size for p in folder.glob("*.json"))
        if os.environ.get(DEFER_VARIABLE) == "1" and parts > DEFER_BYTES:
            return stored  # the build writes the workbook once, after its last run (assemble_workbook)
        return _assemble(path, folder)


#: Set to 1 by the build in its kernels: a notebook then only stores its part, and the build writes the
#: workbook once at the end. Rewriting it after every run cost more than the runs on a large survey
#: (ten themes runs, each rewriting every earlier run's sheets: 2 to 13 s a rewrite).
DEFER_VARIABLE = "ZQF_DEFER_WORKBOOK"
#: ... once the stored parts hold more than this many bytes: a small workbook (ZAQA's: 150 KB of parts,
#: 0.3 s to write) is still written by each notebook, in parallel, off the build's last step.
DEFER_BYTES = 1_000_000


def assemble_workbook(path: str | Path) -> Path | None:
    """Write the workbook at ``path`` from every part stored beside it (None when there is none)."""
    path = Path(path)
    folder = path.parent / PARTS_FOLDER
    if not any(folder.glob("*.json")):
        return None
    with _workbook_lock(folder / ".lock"):
        return _assemble(path, folder)


def _assemble(path: Path, folder: Path) -> Path:
    import json

    every = []
    for stored in sorted(folder.glob("*.json")):
        every += [_sheet_from_record(item) for item in json.loads(stored.read_text(encoding="utf-8"))]
    return write_workbook(path, every)


def _plain_value(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _sheet_record(sheet: Sheet) -> dict:
    return {
        "name": sheet.name,
        "title": sheet.title,
        "notes": list(sheet.notes),
        "columns": [str(c) for c in sheet.table.columns],
        "rows": [[_plain_value(v) for v in row] for row in sheet.table.itertuples(index=False, name=None)],
    }


def _sheet_from_record(record: dict) -> Sheet:
    table = pd.DataFrame(record["rows"], columns=record["columns"], dtype=object)
    return Sheet(record["name"], record["title"], table, notes=tuple(record["notes"]))


class _workbook_lock:
    """An exclusive lock file (created with O_EXCL, so it works on Windows too); one left behind by a
    process that died is taken over after two minutes."""

    def __init__(self, lock: Path) -> None:
        self.lock = lock

    def __enter__(self):
        import os
        import time

        self.lock.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        while True:
            try:
                os.close(os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return self
            except FileExistsError:
                try:
                    if time.time() - self.lock.stat().st_mtime > _LOCK_WAIT_S:
                        self.lock.unlink(missing_ok=True)
                        continue
                except FileNotFoundError:
                    continue
                if time.monotonic() - started > _LOCK_WAIT_S:
                    raise DataError("another notebook holds the workbook's lock for too long", file=self.lock) from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self.lock.unlink(missing_ok=True)
