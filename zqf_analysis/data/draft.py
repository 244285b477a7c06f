"""A questionnaire drafted from an export (``python -m zqf_analysis init``), for a person to review.

Each column that is not form metadata becomes a question headed by its wording. Its type is read from
its cells: choices joined by ``;`` with Microsoft Forms' trailing ``;`` are a multi-select question (a
ranking when every cell orders the same options); pieces joined by ``", "`` or ``;`` that recur across
cells are a multi-select question; a few values that recur are a single-choice one (a scale when they
are the steps of a known agreement, frequency or satisfaction scale, or whole numbers); anything else
is open. Options come in the order the tools write them (Microsoft and Google Forms list a cell's
choices in the form's order), else in order of first appearance; values typed once, in a question
whose other values recur and where the word "Other" never appears, are read as write-ins under
"Other". Every inference the cells cannot settle carries a ``# check:`` comment.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from zqf_analysis.data.columns import RESPONSE_ID_COLUMNS, is_metadata, is_personal, normal
from zqf_analysis.data.detect import delimiter_setting, text_format
from zqf_analysis.data.files import read_text_table, rows_below, xlsx_engine
from zqf_analysis.data.questionnaire import is_other_label
from zqf_analysis.data.text import is_substantive, redact
from zqf_analysis.errors import DataError
from zqf_analysis.io import write_text_atomic

#: Ordered answer scales a single-choice column is matched against (English, French, Portuguese).
SCALES = (
    ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Neutral",
     "Somewhat agree", "Agree", "Strongly agree"),
    ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"),
    ("Never", "Rarely", "Sometimes", "Often", "Always"),
    ("Not at all important", "Slightly important", "Moderately important", "Very important", "Extremely important"),
    ("Very poor", "Poor", "Fair", "Good", "Very good", "Excellent"),
    ("Pas du tout d'accord", "Pas d'accord", "Plutôt pas d'accord", "Ni d'accord ni pas d'accord", "Neutre",
     "Plutôt d'accord", "D'accord", "Tout à fait d'accord"),
    ("Discordo totalmente", "Discordo", "Discordo parcialmente", "Nem concordo nem discordo", "Neutro",
     "Concordo parcialmente", "Concordo", "Concordo totalmente"),
)  # fmt: skip

#: Header words that mark the question naming the respondent's institution.
INSTITUTION_WORDS = (
    "institution", "organisation", "organization", "établissement", "organisme", "instituição", "organização",
    "entidade", "institución", "organización",
)  # fmt: skip

#: Fewer answers than this and the type of a column is only a guess.
FEW_ANSWERS = 10
#: Fewer answers than this and no value typed once is taken for a write-in (a real option may be chosen once).
WRITE_IN_ANSWERS = 20
#: A single-choice question has at most this many distinct answers, or FEW_OPTIONS when fewer recur.
MAX_OPTIONS = 40
FEW_OPTIONS = 15


@dataclass
class DraftQuestion:
    """One drafted question: what the YAML will say, and the ``# check:`` notes on it."""

    id: str
    type: str
    text: str
    options: list[str] = field(default_factory=list)
    group: str | None = None
    checks: list[str] = field(default_factory=list)
    option_notes: dict[str, str] = field(default_factory=dict)


@dataclass
class Draft:
    """A drafted questionnaire: its questions, the export settings, and what was left out."""

    export_file: str
    questions: list[DraftQuestion]
    settings: dict[str, str]
    setting_notes: dict[str, str]
    metadata: list[str]
    personal: list[str]
    rows: int

    @property
    def checks(self) -> int:
        unsure = sum(note.startswith("check:") for note in self.setting_notes.values())
        return sum(len(q.checks) + len(q.option_notes) for q in self.questions) + unsure + 1  # + the survey's name


# ---------------------------------------------------------------------------------------- reading


def read_table(path: Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """The export as a frame of stripped text, with the settings a questionnaire needs to read it the
    same way (``delimiter``, ``encoding``, ``sheet``) and notes on how each was found."""
    suffix = path.suffix.lower()
    settings: dict[str, str] = {}
    notes: dict[str, str] = {}
    if suffix in (".xlsx", ".xlsm"):
        frame = _xlsx_table(path, sheet)
        if sheet is not None:
            settings["sheet"] = str(sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        fmt = text_format(path, known=is_metadata)
        settings["delimiter"] = delimiter_setting(fmt.delimiter).strip("'")
        notes["delimiter"] = f"detected: the file reads {fmt.describe()}"
        if not fmt.utf8:
            settings["encoding"] = fmt.encoding
            notes["encoding"] = f"detected: {fmt.encoding_label}"
        frame = read_text_table(path, fmt.delimiter, None if fmt.utf8 else fmt.encoding)
    else:
        raise DataError(f"unsupported export format {path.suffix!r}; expected .csv, .txt or .xlsx", file=path)
    return frame.apply(lambda column: column.astype(str).str.strip()), settings, notes


def _xlsx_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        grid = pd.read_excel(path, sheet_name=sheet or 0, header=None, dtype=str, engine=xlsx_engine(),
                             keep_default_na=False)
    except Exception as exc:  # the readers raise many types for a damaged workbook
        raise DataError(f"cannot read the workbook: {exc}", file=path) from None
    grid = grid.fillna("")
    filled = [(grid.iloc[i] != "").sum() for i in range(min(20, len(grid)))]
    if not filled or max(filled) < 1:
        raise DataError("the workbook's sheet is empty", file=path)
    widest = max(filled)
    header = next(i for i, n in enumerate(filled) if n >= max(1, widest // 2))  # title rows hold one cell
    return rows_below(grid, header, path)


# ------------------------------------------------------------------------------------- inference


def _pieces(cell: str, separator: str) -> list[str]:
    core = separator.strip() or separator
    return [p.strip() for p in cell.split(core) if p.strip()]


def _merge_joined(cells: list[list[str]], separator: str) -> list[list[str]]:
    """Pieces that always come together, one right after the other, are one label holding the
    separator ("Not certain" + "we do not have data" is "Not certain, we do not have data")."""
    while True:
        after: dict[str, Counter] = {}
        before: dict[str, Counter] = {}
        seen = Counter(p for pieces in cells for p in pieces)
        for pieces in cells:
            for i, piece in enumerate(pieces):
                after.setdefault(piece, Counter())[pieces[i + 1] if i + 1 < len(pieces) else None] += 1
                before.setdefault(piece, Counter())[pieces[i - 1] if i else None] += 1
        pair = next(
            (
                (a, b)
                for a, following in after.items()
                for b, n in following.items()
                if b is not None and n == seen[a] == seen[b] and before[b][a] == seen[b] and not is_other_label(b)
            ),
            None,
        )
        if pair is None:
            return cells
        a, b = pair
        joined = f"{a}{separator}{b}"
        merged = []
        for pieces in cells:
            out, i = [], 0
            while i < len(pieces):
                if i + 1 < len(pieces) and pieces[i] == a and pieces[i + 1] == b:
                    out.append(joined)
                    i += 2
                else:
                    out.append(pieces[i])
                    i += 1
            merged.append(out)
        cells = merged


def _form_order(cells: list[list[str]]) -> list[str]:
    """Options in the order the tools list a cell's choices (the form's), from which comes before
    which across cells; what no cell orders stays in order of first appearance."""
    first = list(dict.fromkeys(p for pieces in cells for p in pieces))
    before: dict[str, set[str]] = {p: set() for p in first}
    for pieces in cells:
        for i, piece in enumerate(pieces):
            before[piece].update(pieces[:i])
    order: list[str] = []
    remaining = list(first)
    while remaining:
        ready = next((p for p in remaining if not (before[p] - set(order) - {p}) & set(remaining)), remaining[0])
        order.append(ready)
        remaining.remove(ready)
    return order


def _scale_of(values: set[str]) -> tuple[str, ...] | None:
    """The known scale holding every value (its steps in order, as the cells spell them), or None."""
    folded = {v.casefold(): v for v in values}
    for scale in SCALES:
        steps = [s for s in scale if s.casefold() in folded]
        if len(steps) == len(values) and len(values) >= 2:
            return tuple(folded[s.casefold()] for s in steps)
    if all(re.fullmatch(r"-?\d+", v) for v in values) and len(values) >= 2:
        numbers = sorted(int(v) for v in values)
        if numbers[-1] - numbers[0] <= 10:
            return tuple(str(n) for n in numbers)
    return None


def _typed(counts: Counter, answers: int, last: set[str] | None = None) -> list[str]:
    """Values read as write-ins: seen once, in a question whose other values recur and in which the word
    "Other" never appears (Microsoft and Google Forms write the typed text in its place); in a
    multi-select cell only the last choice can be one (Other is the form's last option)."""
    if answers < WRITE_IN_ANSWERS or any(is_other_label(v) for v in counts):
        return []
    once = [v for v, n in counts.items() if n == 1 and (last is None or v in last)]
    recurring = [v for v, n in counts.items() if n > 1]
    if not once or len(recurring) < 2 or sum(counts[v] for v in recurring) < 0.75 * sum(counts.values()):
        return []
    return once


def _quote(text: str, limit: int = 50) -> str:
    text = redact(re.sub(r"\s+", " ", text).strip())
    return json.dumps(text if len(text) <= limit else text[: limit - 1] + "…", ensure_ascii=False)


def infer_question(
    qid: str, header: str, values: list[str], other: str = "Other"
) -> tuple[DraftQuestion, str | None]:
    """The drafted question for a column of answers (non-empty, stripped) and the multi-select
    separator it showed (None when it splits nothing); ``other`` names an Other option it adds."""
    question = DraftQuestion(qid, "open", header)
    answers = len(values)
    if not answers:
        question.checks.append("no answer in the export, so the type could not be read: open, or a closed question?")
        return question, None
    whole = Counter(values)
    if any(re.search(r"[\w.+-]+@[\w-]+\.\w", v) for v in whole):
        question.checks.append("holds e-mail addresses: read as open (never listed as options)")
        return question, None
    trailing = sum(v.endswith(";") for v in values)
    candidates = []
    for separator in (";", ", "):
        cells = _merge_joined([_pieces(v, separator) for v in values], separator)
        pieces = Counter(p for c in cells for p in c)
        several = sum(len(c) > 1 for c in cells)
        recurring = sum(n for n in pieces.values() if n > 1) / max(1, sum(pieces.values()))
        candidates.append((separator, cells, pieces, several, recurring))
    by_ms = candidates[0]
    if trailing >= 0.8 * answers and by_ms[3]:
        separator, cells, pieces = by_ms[0], by_ms[1], by_ms[2]
        sets = Counter(frozenset(c) for c in cells)
        common, share = sets.most_common(1)[0]
        orders = {tuple(c) for c in cells if frozenset(c) == common}
        once_each = all(len(c) == len(set(c)) for c in cells)
        if len(common) >= 2 and share >= 0.8 * answers and len(orders) > 1 and once_each:
            question.type = "ranking"
            question.options = list(dict.fromkeys(cells[0] if frozenset(cells[0]) == common else sorted(common)))
            question.options += [p for p in pieces if p not in question.options]
            question.checks.append(
                "every cell orders the same options: read as a ranking; options are in the first answer's order "
                "(the form's order is not in the export)"
            )
            return question, separator
        return _multi(question, cells, pieces, answers, separator, other), separator
    if trailing >= 0.8 * answers:  # one choice each, written "A;" as Microsoft Forms writes a multi-select cell
        cells = by_ms[1]
        question = _multi(question, cells, by_ms[2], answers, ";", other)
        question.checks.append("no respondent chose two options: multi-select (cells end with ';'), or single?")
        return question, ";"
    whole_recurring = sum(n for n in whole.values() if n > 1) / answers
    for separator, cells, pieces, several, recurring in candidates:
        if several >= max(2, 0.1 * answers) and recurring >= 0.6 and recurring > whole_recurring:
            return _multi(question, cells, pieces, answers, separator, other), separator
    scale = _scale_of(set(whole)) if len(whole) <= FEW_OPTIONS else None
    if scale:
        return _single(question, whole, answers, other), None
    names = _is_institution(header) and not _sentences(whole)
    if names:
        question.type = "institution"
        question.checks.append("the header names an institution and the answers are names: the respondents'")
        return question, None
    few = len(whole) <= FEW_OPTIONS and whole_recurring >= 0.5
    closed = few or (len(whole) <= MAX_OPTIONS and whole_recurring >= 0.8)
    if closed and not _sentences(whole):
        return _single(question, whole, answers, other), None
    if answers < FEW_ANSWERS:
        question.checks.append(f"only {answers} answers, mostly different: open, or a closed question?")
    return question, None


def _sentences(values: Counter) -> bool:
    """Whether the values read as free text: two or more non-answers (N/A, NIL, I don't know...), or a
    third of them written as sentences (ending with a full stop, or holding one between sentences)."""
    distinct = list(values)
    if sum(not is_substantive(v) for v in distinct) >= 2:
        return True
    prose = sum(bool(re.search(r"[^.]\.$|\.\s+[A-Z]", v)) for v in distinct)
    long = sum(len(v) > 140 for v in distinct)
    return prose >= max(2, len(distinct) / 3) or long >= max(2, len(distinct) / 3)


def _is_institution(header: str) -> bool:
    """Whether a short header names the respondent's institution ("Your institution", "Organisation"),
    not a longer question that mentions one or asks its type."""
    words = normal(header)
    if len(words) > 80 or re.search(r"\b(type|kind|category|sector|size|tipo|taille|catégorie)\b", words):
        return False
    return any(re.search(rf"\b{re.escape(w)}", words) for w in INSTITUTION_WORDS)


def _multi(
    question: DraftQuestion, cells: list[list[str]], pieces: Counter, answers: int, separator: str, other: str
) -> DraftQuestion:
    question.type = "multi"
    last = {c[-1] for c in cells if c}
    typed = _typed(pieces, answers, last)
    parts = _leading_parts(cells, set(typed))
    order = [p for p in _form_order(cells) if p not in typed and p not in parts]
    options = [p for p in order if not is_other_label(p)] + [p for p in order if is_other_label(p)]  # Other last
    question.options = options
    written = set(typed) | set(parts)
    texts = []
    for pieces in cells:
        tail = len(pieces)
        while tail and pieces[tail - 1] in written:
            tail -= 1
        if tail < len(pieces):
            texts.append(separator.join(pieces[tail:]))
    _other(question, texts, other)
    joined = [o for o in options if (separator.strip() or separator) in o]
    if joined:
        question.option_notes[joined[0]] = (
            f"holds the separator {separator!r}: read as one option because its parts always come together"
        )
    return question


def _leading_parts(cells: list[list[str]], typed: set[str]) -> list[str]:
    """Pieces that only ever come right before a write-in: the first parts of write-ins holding the
    separator ("Workshops" of "Workshops, seminars in our region"), not options."""
    found: list[str] = []
    while typed:
        followers: dict[str, set] = {}
        for pieces in cells:
            for i, piece in enumerate(pieces):
                if piece not in typed:
                    followers.setdefault(piece, set()).add(pieces[i + 1] in typed if i + 1 < len(pieces) else False)
        new = [p for p, follows in followers.items() if follows == {True} and not is_other_label(p)]
        if not new:
            return found
        found += new
        typed = typed | set(new)
    return found


def _single(question: DraftQuestion, whole: Counter, answers: int, other: str = "Other") -> DraftQuestion:
    typed = _typed(whole, answers)
    values = [v for v in whole if v not in typed]
    scale = _scale_of(set(values)) if not typed else None
    if scale:
        question.type = "scale"
        question.options = list(scale)
        question.checks.append("the answers are steps of one scale: read as a scale; add any step nobody chose")
    else:
        question.type = "single"
        question.options = values
        if answers < FEW_ANSWERS:
            question.checks.append(f"only {answers} answers: single choice, or open?")
    _other(question, typed, other)
    return question


#: The word for "Other" in the export's language, told by its metadata headers (else English).
OTHER_BY_LANGUAGE = (
    ("Autre", ("heure de début", "heure de fin", "horodateur", "adresse de messagerie", "adresse e-mail", "nom")),
    ("Outro", ("hora de início", "hora de conclusão", "carimbo de data/hora", "endereço de e-mail", "nome")),
    ("Otro", ("hora de inicio", "hora de finalización", "marca temporal", "correo electrónico", "nombre")),
)


def other_label(metadata: list[str]) -> str:
    """ "Other" in the language of the form's metadata headers ("Autre" beside "Heure de début")."""
    headers = {normal(c) for c in metadata}
    return next((word for word, markers in OTHER_BY_LANGUAGE if headers & set(markers)), "Other")


def _other(question: DraftQuestion, typed: list[str], label: str = "Other") -> None:
    """Add the Other option for the answers read as write-ins, with a note quoting the first few."""
    if not typed:
        return
    question.options.append(label)
    shown = ", ".join(_quote(t, 40) for t in typed[:3]) + (f" and {len(typed) - 3} more" if len(typed) > 3 else "")
    question.option_notes[label] = (
        f"{len(typed)} answer(s) typed once read as write-ins under {label} ({shown}); if one is a real option, "
        "list it above; name this option as the form does"
    )


def _groups(questions: list[DraftQuestion]) -> None:
    """Consecutive scale questions on the same scale are one grid's statements: one group, one scale."""
    run: list[DraftQuestion] = []
    number = 0

    def close() -> None:
        nonlocal number
        if len(run) > 1:
            number += 1
            titles = [re.match(r"(.*)\s\[[^\]]*\]$", q.text) for q in run]
            same = {m.group(1).strip() for m in titles if m}
            name = same.pop() if len(same) == 1 and all(titles) else f"Scale {number}"
            steps = [s for s in _scale_order(run) if any(s in q.options for q in run)]
            for q in run:
                q.group, q.options = name, list(steps)
            run[0].checks.append(
                f"{', '.join(q.id for q in run)} share one scale: grouped as {name!r} (a Likert grid's statements)"
            )
        run.clear()

    for question in questions:
        if question.type == "scale" and run and _scale_order([*run, question]):
            run.append(question)
        else:
            close()
            if question.type == "scale":
                run.append(question)
    close()


def _scale_order(questions: list[DraftQuestion]) -> list[str]:
    values = {o for q in questions for o in q.options}
    found = _scale_of(values)
    return list(found) if found else []


# ---------------------------------------------------------------------------------------- drafting


def draft_questionnaire(export: str | Path, sheet: str | int | None = None, relative_to: Path | None = None) -> Draft:
    """Draft the questionnaire of the export at ``export`` (see the module's docstring). ``relative_to``:
    the folder the questionnaire will live in (the export's file is named relative to it)."""
    path = Path(export)
    if not path.is_file():
        raise DataError("export file not found", file=path)
    frame, settings, notes = read_table(path, sheet)
    metadata = [c for c in frame.columns if is_metadata(c) or normal(c) in {normal(i) for i in RESPONSE_ID_COLUMNS}]
    personal = [c for c in metadata if is_personal(c)]
    questions = []
    separators = Counter()
    for column in frame.columns:
        if column in metadata:
            continue
        values = [v for v in frame[column].tolist() if v]
        question, separator = infer_question(f"Q{len(questions) + 1}", column, values, other_label(metadata))
        questions.append(question)
        if separator:
            separators[separator] += 1
    if not questions:
        raise DataError("no column is a question: every header is form metadata", file=path)
    _groups(questions)
    if separators:
        settings["separator"] = separators.most_common(1)[0][0]
        notes["separator"] = (
            "detected from the cells"
            if len(separators) == 1
            else f"check: the most common of {', '.join(map(repr, separators))}"
        )
    folder = relative_to or path.parent
    settings = {"file": os.path.relpath(path.resolve(), folder.resolve()), **settings}
    return Draft(path.name, questions, settings, notes, metadata, personal, len(frame))


def draft_yaml(draft: Draft) -> str:
    """The draft as questionnaire.yaml text, with a ``# check:`` comment on every unsure inference."""
    lines = [
        f"# Questionnaire DRAFTED by `python -m zqf_analysis init` from {draft.export_file} ({draft.rows} rows).",
        "# Review it before use (see docs/own-survey.md): every line marked '# check:' is a guess from the",
        "# cells, options nobody chose are not in the export (add them), and option labels cut short by the",
        "# tool stay as the export spells them. Question ids (Q1, Q2...) follow the columns; rename them freely.",
    ]
    if draft.metadata:
        lines.append(f"# Form metadata left out: {', '.join(draft.metadata)}.")
    if draft.personal:
        lines.append(f"# Personal columns ({', '.join(draft.personal)}) are never read.")
    lines += [f"survey: {_text(Path(draft.export_file).stem)}  # check: the survey's name", "export:"]
    for key, value in draft.settings.items():
        note = f"  # {draft.setting_notes[key]}" if key in draft.setting_notes else ""
        lines.append(f"  {key}: {_text(value)}{note}")
    lines.append("questions:")
    for question in draft.questions:
        lines.append(f"  - id: {question.id}")
        type_note = f"  # check: {'; '.join(question.checks)}" if question.checks else ""
        lines.append(f"    type: {question.type}{type_note}")
        lines.append(f"    text: {_text(question.text)}")
        if question.group:
            lines.append(f"    group: {_text(question.group)}")
        if question.options:
            lines.append("    options:")
            for option in question.options:
                note = f"  # check: {question.option_notes[option]}" if option in question.option_notes else ""
                lines.append(f"      - {_text(option)}{note}")
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    """A YAML scalar in double quotes (JSON's quoting is valid YAML): no label is read as a number,
    a boolean ("Yes", "No") or a comment."""
    return json.dumps(str(value), ensure_ascii=False)


def check_draft(questionnaire_path: str | Path) -> str:
    """Load the export with the draft, as ``load_dataset`` would, and say what came out (or why not)."""
    from zqf_analysis.data.export import read_export_details
    from zqf_analysis.data.questionnaire import load_questionnaire

    path = Path(questionnaire_path)
    try:
        questionnaire = load_questionnaire(path)
        read = read_export_details(path.parent / questionnaire.export["file"], questionnaire)
    except DataError as exc:
        return f"the draft does not load the export yet: {exc}"
    return f"the draft loads the export: {len(read.responses)} submissions"


def write_draft(
    export: str | Path, output: str | Path | None = None, *, sheet: str | int | None = None, force: bool = False
) -> tuple[Path, Draft]:
    """Draft the export's questionnaire and write it to ``output`` (default: ``questionnaire.yaml``
    beside the export), refusing to replace a file unless ``force``."""
    export = Path(export)
    target = Path(output) if output else export.parent / "questionnaire.yaml"
    if target.is_dir():
        target = target / "questionnaire.yaml"
    if target.exists() and not force:
        raise DataError("the file exists; choose another --output or add --force to replace it", file=target)
    draft = draft_questionnaire(export, sheet, relative_to=target.parent)
    write_text_atomic(target, draft_yaml(draft))
    return target, draft
