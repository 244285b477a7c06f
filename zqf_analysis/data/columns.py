"""Which column of an export holds which question: the questions by id, ``column`` or wording; the form
metadata Microsoft Forms and Google Forms add (in English, French, Portuguese and Spanish, quiz columns
included); the columns ``export: ignore_columns`` names; and short errors for everything else.

The metadata headers follow what the tools write. Microsoft Forms (Excel workbook): ``ID, Start time,
Completion time, Email, Name`` and, once a response is edited, ``Last modified time``; a quiz adds ``Total
points``, ``Quiz feedback`` and per question ``Points - <question>`` and ``Feedback - <question>``; the
headers are in the form owner's language (``Heure de début``, ``Hora de início``...). Google Forms: the
Sheet and the CSV download start with ``Timestamp`` (``Horodateur``, ``Carimbo de data/hora``...), then
``Email Address`` when e-mails are collected; a quiz adds ``Score`` and per question ``<question> [Score]``
and ``<question> [Feedback]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zqf_analysis.data.questionnaire import Question, Questionnaire
from zqf_analysis.errors import DataError

#: Columns that identify a person: never read into the responses, never shown, never drafted.
PERSONAL_COLUMNS = (
    "Email", "E-mail", "Name", "Email address", "Responder",  # Microsoft, Google (en)
    "Adresse de messagerie", "Adresse e-mail", "Adresse courriel", "Nom", "Nom complet",  # fr
    "Endereço de e-mail", "Endereço de email", "Nome", "Correio eletrónico", "Correio eletrônico",  # pt
    "Correo electrónico", "Dirección de correo electrónico", "Nombre",  # es
)  # fmt: skip

#: The other metadata columns: submission times, ids, scores and quiz feedback.
FORM_METADATA_COLUMNS = (
    "ID", "Start time", "Completion time", "Last modified time", "Total points", "Quiz feedback",
    "Grade posted time", "Timestamp", "Score", "Total score",  # Microsoft, Google (en)
    "Heure de début", "Heure de fin", "Heure de la dernière modification", "Heure de dernière modification",
    "Total des points", "Commentaires sur le questionnaire", "Horodateur", "Note",  # fr
    "Hora de início", "Hora de conclusão", "Hora da última modificação", "Hora de última modificação",
    "Total de pontos", "Comentários do teste", "Comentários do questionário", "Carimbo de data/hora",
    "Pontuação",  # pt
    "Hora de inicio", "Hora de finalización", "Hora de la última modificación", "Puntos totales",
    "Comentarios del cuestionario", "Marca temporal", "Puntuación",  # es
)  # fmt: skip

#: Per-question quiz columns, as patterns (``*`` is the question's wording).
FORM_METADATA_PATTERNS = (
    "Points - *", "Feedback - *", "Commentaires - *", "Pontos - *", "Comentários - *", "Puntos - *",
    "Comentarios - *", "* [Score]", "* [Feedback]", "* [Note]", "* [Commentaires]", "* [Pontuação]",
    "* [Comentários]", "* [Puntuación]", "* [Comentarios]",
)  # fmt: skip

RESPONSE_ID_COLUMNS = ("ID", "response_id", "Response ID")

#: How many unexpected columns an error names before it says how many more there are.
SHOWN_COLUMNS = 3


def normal(text: str) -> str:
    """A header as compared: spaces collapsed, case folded, dashes made plain."""
    return re.sub(r"\s+", " ", str(text).replace("\u2013", "-").replace("\u2014", "-")).strip().casefold()


def glob(pattern: str) -> re.Pattern:
    """A header pattern as a regular expression: ``*`` is any text, every other character is itself
    (``[Score]`` is literal, not a character class), compared as :func:`normal` headers.

    >>> bool(glob("* [Score]").fullmatch(normal("Q3. Which badge? [Score]"))), bool(glob("* [Score]").fullmatch("e"))
    (True, False)
    """
    return re.compile(".*".join(re.escape(part) for part in normal(pattern).split("*")), re.S)


_PERSONAL = {normal(c) for c in PERSONAL_COLUMNS}
_METADATA = {normal(c) for c in FORM_METADATA_COLUMNS} | _PERSONAL
_PATTERNS = tuple(glob(p) for p in FORM_METADATA_PATTERNS)


def is_personal(column: str) -> bool:
    return normal(column) in _PERSONAL


def is_metadata(column: str) -> bool:
    """Whether a header is one the forms add besides the questions (personal columns included).

    >>> is_metadata("Heure de début"), is_metadata("Points - What is a badge?"), is_metadata("Q3 [Score]")
    (True, True, True)
    >>> is_metadata("What is a badge?")
    False
    """
    key = normal(column)
    return key in _METADATA or any(p.fullmatch(key) for p in _PATTERNS)


def is_ignored(column: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """Whether ``export: ignore_columns`` names the column: exactly, or as a pattern (``*`` for any text)."""
    key = normal(column)
    return any(glob(p).fullmatch(key) for p in patterns)


def headers_for(question: Question) -> list[str]:
    """The headers that name a question: its id, its ``column`` and its wording."""
    headers = [question.id]
    if question.column:
        headers.append(question.column)
    if question.text:
        headers.append(question.text)
    return headers


@dataclass(frozen=True)
class ColumnPlan:
    """Export column -> question id (in the file's order), the response id column, and what was left out."""

    rename: dict[str, str]
    id_column: str | None
    metadata: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    by_content: list[str] = field(default_factory=list)  # metadata told by its cells (times, e-mails)


_TIME = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?)?"
    r"(?:\s*(?:GMT|UTC|Z)?[+-]?\d{0,2}:?\d{0,2})?"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def metadata_by_cells(values: list[str]) -> str | None:
    """Why a column no question claims is form metadata by its cells: every answer a date and time (a
    submission time in a language this module does not list), or an e-mail address or "anonymous" (the
    respondent's address); None otherwise.

    >>> metadata_by_cells(["2025/01/06 9:00:00 AM GMT+2", ""]), metadata_by_cells(["anonymous", "a@b.org"])
    ('times', 'e-mail addresses')
    """
    filled = [v.strip() for v in values if v and v.strip()]
    if not filled:
        return None
    if all(_TIME.fullmatch(v) for v in filled):
        return "times"
    if all(_EMAIL.fullmatch(v) or v.casefold() in ("anonymous", "anonyme", "anónimo", "anônimo") for v in filled):
        return "e-mail addresses"
    return None


def column_plan(
    columns: list[str],
    questionnaire: Questionnaire,
    path: Path,
    reading: str = "",
    cells: Callable[[str], list[str]] | None = None,
) -> ColumnPlan:
    """Map the export's headers to questions; form metadata and ``ignore_columns`` are set aside; a
    missing question or an unexpected column is a short error naming the line to add. ``reading`` says
    how a CSV was read (encoding and delimiter) for the error when nothing matches. ``cells`` gives a
    column's values: a column no header rule claims whose cells are all times or e-mail addresses is
    metadata too (:func:`metadata_by_cells`)."""
    by_header = {normal(h): q.id for q in questionnaire.questions for h in headers_for(q)}
    ignore = list(questionnaire.export.get("ignore_columns", []))
    ids = {normal(c) for c in RESPONSE_ID_COLUMNS}
    rename: dict[str, str] = {}
    extra: list[str] = []
    metadata: list[str] = []
    ignored: list[str] = []
    id_column = None
    for column in columns:
        key = normal(column)
        if key in by_header:
            if by_header[key] in rename.values():
                raise DataError(f"two columns map to question {by_header[key]}", file=path, column=_short(column))
            rename[column] = by_header[key]
        elif key in ids and id_column is None:
            id_column = column
        elif is_metadata(column):
            metadata.append(column)
        elif is_ignored(column, ignore):
            ignored.append(column)
        else:
            extra.append(column)
    missing = [q for q in questionnaire.questions if q.id not in rename.values()]
    if not rename:
        raise DataError(_nothing_matches(columns, questionnaire, reading), file=path)
    by_content = [c for c in extra if cells is not None and metadata_by_cells(cells(c))] if not missing else []
    extra = [c for c in extra if c not in by_content]
    if missing or extra:
        raise DataError(_mismatch(missing, extra), file=path)
    return ColumnPlan(rename, id_column, metadata, ignored, by_content)


def _short(text: str, limit: int = 48) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nothing_matches(columns: list[str], questionnaire: Questionnaire, reading: str) -> str:
    shown = ", ".join(repr(_short(c, 40)) for c in columns[:SHOWN_COLUMNS])
    more = f" and {len(columns) - SHOWN_COLUMNS} more" if len(columns) > SHOWN_COLUMNS else ""
    how = f"read {reading}, " if reading else ""
    hint = (
        "set export: delimiter: and encoding: in questionnaire.yaml if the file was read wrongly, or check "
        "that the questionnaire belongs to this export"
        if reading
        else "check that the questionnaire belongs to this export (headers are matched to each question's id, "
        "column or text)"
    )
    return (
        f"no column matches a question of questionnaire.yaml: {how}the header has {len(columns)} column(s) "
        f"({shown}{more}); {hint}"
    )


def _mismatch(missing: list[Question], extra: list[str]) -> str:
    parts = []
    if missing:
        named = ", ".join(q.id for q in missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        example = missing[0]
        parts.append(
            f"no column for question(s) {named} (expected a header equal to its id, 'column' or text, such as "
            f"{_short(example.text or example.id, 60)!r})"
        )
    if extra:
        shown = ", ".join(repr(_short(c)) for c in extra[:SHOWN_COLUMNS])
        more = f" and {len(extra) - SHOWN_COLUMNS} more" if len(extra) > SHOWN_COLUMNS else ""
        line = ", ".join(_yaml_text(_short(c, 40) if len(c) <= 40 else c[:39] + "*") for c in extra[:SHOWN_COLUMNS])
        parts.append(
            f"unexpected column(s) {shown}{more}; if they are not questions, add under export: in "
            f"questionnaire.yaml the line  ignore_columns: [{line}{', ...' if more else ''}]"
        )
    return "; ".join(parts)


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar (JSON's quoting is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)
