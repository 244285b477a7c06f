"""How a CSV export was written: its text encoding and its field delimiter, detected from the file's first
bytes unless ``export: encoding:`` and ``export: delimiter:`` in questionnaire.yaml say.

What the tools write: Microsoft Forms and Google Forms download UTF-8 CSV with ``,`` between fields
(Excel's "CSV UTF-8" adds a byte-order mark); Excel in a European locale (French, Portuguese, German...)
saves "CSV" with ``;`` between fields, in Windows-1252 unless UTF-8 is chosen; Excel's "Unicode Text" is
UTF-16 little-endian with a byte-order mark and tabs between fields.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zqf_analysis.errors import DataError

#: Field delimiters tried, in this order when two fit equally.
DELIMITERS = (",", ";", "\t")
#: Bytes read to detect the encoding and the delimiter.
HEAD_BYTES = 1 << 16
#: Data rows read (after the header) to see which delimiter gives rows of the header's width.
SAMPLE_ROWS = 50

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE with a byte-order mark"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE with a byte-order mark"),
)


def delimiter_name(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


def delimiter_setting(delimiter: str) -> str:
    """How to write the delimiter in questionnaire.yaml: ``';'`` or ``tab``."""
    return "tab" if delimiter == "\t" else f"'{delimiter}'"


def normal_delimiter(value: str) -> str:
    """A declared delimiter as one character: ``tab`` and ``\\t`` are a tab."""
    return "\t" if value.casefold() in ("tab", "\\t") else value


@dataclass(frozen=True)
class TextFormat:
    """A CSV file's encoding (a Python codec name), its field delimiter, and how each was decided."""

    encoding: str
    encoding_label: str
    delimiter: str
    delimiter_how: str = "detected"

    @property
    def utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")

    def describe(self) -> str:
        """``as UTF-8 with ';' between fields (detected)``: for notes and errors."""
        return f"as {self.encoding_label} with {delimiter_name(self.delimiter)} between fields ({self.delimiter_how})"


def sniff_encoding(head: bytes, declared: str | None = None) -> tuple[str, str]:
    """The codec to decode a file whose first bytes are ``head``, and a label saying what it is.

    A byte-order mark decides (UTF-8, UTF-16 LE or BE); zero bytes at every other position mean UTF-16
    without one; bytes that are valid UTF-8 mean UTF-8; anything else is read as Windows-1252, what
    Excel writes on Windows in western locales.

    >>> sniff_encoding(b"\\xff\\xfeI\\x00D\\x00")
    ('utf-16', 'UTF-16 LE with a byte-order mark')
    >>> sniff_encoding("Réponse".encode("cp1252"))[0], sniff_encoding("Réponse".encode())[0]
    ('cp1252', 'utf-8-sig')
    """
    if declared:
        name = codecs.lookup(declared).name
        label = f"{declared} (set in export: encoding)"
        if name == "utf-8":
            return "utf-8-sig", label  # a byte-order mark is dropped, not read as text
        with_bom = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        if name == "utf-16" or (name in ("utf-16-le", "utf-16-be") and with_bom):
            return "utf-16", label  # the byte-order mark is read as such, not as text
        return name, label
    for bom, name, label in _BOMS:
        if head.startswith(bom):
            return name, label
    sample = head[:4096]
    if sample and sample.count(0) * 4 >= len(sample):
        odd = sample[1::2].count(0)
        even = sample[0::2].count(0)
        if odd > even:
            return "utf-16-le", "UTF-16 LE without a byte-order mark (from its zero bytes)"
        return "utf-16-be", "UTF-16 BE without a byte-order mark (from its zero bytes)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a bad byte, not a character cut by the read's end
            return "cp1252", f"Windows-1252 (not UTF-8: byte 0x{head[exc.start]:02x} at offset {exc.start})"
    return "utf-8-sig", "UTF-8"


def decode_head(head: bytes, encoding: str) -> str:
    """The first bytes decoded, ignoring a character cut by the read's end."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return head.decode(encoding, errors="replace")


def _records(text: str, delimiter: str, whole: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            if record:
                records.append(record)
            if len(records) > SAMPLE_ROWS + 1:
                break
    except csv.Error:
        pass
    if not whole and len(records) > 1 and len(records) <= SAMPLE_ROWS + 1:
        records.pop()  # the last record may be cut by the read's end
    return records


def sniff_delimiter(
    text: str, whole: bool, known: Callable[[str], bool] | None = None
) -> tuple[str | None, list[tuple[str, int, int, int]]]:
    """The delimiter under which the header and the first rows make a table, or None when unsure, and
    for each delimiter tried ``(delimiter, header columns, rows of that width, rows read)``.

    ``known`` tells a header the questionnaire (or the form metadata) names; the delimiter giving the
    most such headers wins, else the one whose rows all have the header's width with the most columns.

    >>> sniff_delimiter("ID;Start time;Q1\\n1;2025-01-02;Oui, bien sûr\\n", True)[0]
    ';'
    """
    tried = []
    headers = {}
    for delimiter in DELIMITERS:
        records = _records(text, delimiter, whole)
        headers[delimiter] = records[0] if records else []
        rows = records[1:]
        width = len(headers[delimiter])
        tried.append((delimiter, width, sum(len(r) == width for r in rows), len(rows)))
    if known is not None:
        scores = {d: sum(bool(known(c)) for c in headers[d]) for d in DELIMITERS}
        best = max(scores.values())
        winners = [d for d in DELIMITERS if scores[d] == best]
        if best > 0 and (len(winners) == 1 or all(headers[d] == headers[winners[0]] for d in winners)):
            return winners[0], tried  # several alike: the delimiter appears in no header, so any reads it
    tables = [(d, w) for d, w, fit, rows in tried if w > 1 and fit == rows]
    if len(tables) == 1:
        return tables[0][0], tried
    if len(tables) > 1:
        widest = max(w for _, w in tables)
        wide = [d for d, w in tables if w == widest]
        if len(wide) == 1:
            return wide[0], tried
    return None, tried


def text_format(
    path: Path,
    declared_encoding: str | None = None,
    declared_delimiter: str | None = None,
    known: Callable[[str], bool] | None = None,
) -> TextFormat:
    """The encoding and delimiter of the CSV at ``path`` (see :func:`sniff_encoding`,
    :func:`sniff_delimiter`); a short :class:`DataError` saying what was tried and what to set when the
    delimiter cannot be told."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES + 1)
    whole = len(head) <= HEAD_BYTES
    head = head[:HEAD_BYTES]
    if not head.strip():
        raise DataError("the file is empty", file=path)
    encoding, label = sniff_encoding(head, declared_encoding)
    if declared_delimiter:
        return TextFormat(encoding, label, normal_delimiter(declared_delimiter), "set in export: delimiter")
    text = decode_head(head, encoding)
    delimiter, tried = sniff_delimiter(text, whole, known)
    if delimiter is None:
        parts = [
            f"{delimiter_name(d)} gives {w} column(s)" + (f", {rows - fit} of {rows} rows differ" if rows - fit else "")
            for d, w, fit, rows in tried
        ]
        raise DataError(
            f"cannot tell the field delimiter: read as {label}, {'; '.join(parts)}; set export: delimiter: "
            "(',', ';' or tab) and, if the text looks wrong, export: encoding: (utf-8, utf-16 or cp1252) in "
            "questionnaire.yaml",
            file=path,
        )
    return TextFormat(encoding, label, delimiter)
