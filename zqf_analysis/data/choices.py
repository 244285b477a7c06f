"""Reading one closed cell of an export: which options it names (known options first, whatever is left is
the respondent's write-in under "Other"), a ranking's order, and which separator joins the choices.

Microsoft Forms joins a multi-select cell's choices with ``;`` and ends it with one (``A;B;``), and writes a
ranking the same way, in rank order; Google Forms joins checkboxes with ``", "`` in its linked Sheet and with
``;`` in its own CSV download. Both put the text a respondent typed for "Other" in the cell in place of
the word "Other", after the ticked options.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from zqf_analysis.data.questionnaire import Question

#: The separators a multi-select cell may use: Microsoft Forms and Google's CSV download, Google's Sheet.
SEPARATORS = (";", ", ")

#: Distinct cells per question read to detect or check the separator (enough to decide; bounded cost).
SEPARATOR_SAMPLE = 2000


@dataclass(frozen=True)
class Reading:
    """One cell read against its question.

    ``chosen``: the options it names, in the form's order (a ranking: in rank order); the Other option
    is among them when the cell holds a write-in. ``write_in``: the typed text, or None. ``problem``: why
    the cell cannot be counted, or None. ``ambiguous``: an option label of the cell that is also other
    options joined by the separator, so the cell has two readings.
    """

    chosen: tuple[str, ...]
    write_in: str | None = None
    problem: str | None = None
    ambiguous: str | None = None


def split_choices(cell: str, options: tuple[str, ...], separator: str) -> list[str]:
    """The options chosen in one multi-select cell, in the form's order; what no option explains is
    returned prefixed with ``"?"`` (a write-in, or an unknown option).

    Options whose label contains the separator (Google Forms joins with ``", "`` and labels contain
    commas) are matched whole first, so "Not certain, we do not have data" stays one choice.

    >>> split_choices("Badges;Other;", ("Badges", "Other"), ";")
    ['Badges', 'Other']
    >>> split_choices("Not certain, we do not have data, Other", ("Not certain, we do not have data", "Other"), ", ")
    ['Not certain, we do not have data', 'Other']
    >>> split_choices("Badges;Mentoring; coaching;", ("Badges", "Other"), ";")
    ['Badges', '?Mentoring; coaching']
    """
    known, rest = segment(cell, tuple(options), separator)
    return [o for o in options if o in known] + [f"?{text}" for text in rest]


def segment(cell: str, options: tuple[str, ...], separator: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The known options of a cell in the order they appear, and the runs of text that are no option.

    The cell is cut at every occurrence of the separator (its non-blank part: ``,`` for ``", "``); at
    each piece the longest run of pieces that reads as an option is taken (so a label holding the
    separator is found whole), and consecutive pieces that read as no option form one run of text.

    >>> segment("Reading, writing, Badges", ("Reading, writing", "Badges"), ", ")
    (('Reading, writing', 'Badges'), ())
    >>> segment("Badges, 1,000 hours of study, Other", ("Badges", "Other"), ", ")
    (('Badges', 'Other'), ('1,000 hours of study',))
    """
    return _segment(cell, options, separator)


@functools.lru_cache(maxsize=1 << 18)
def _segment(cell: str, options: tuple[str, ...], separator: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Cached: checking and tabulating an export both read each distinct cell, and big exports repeat them.
    core, labels, longest = _labels(options, separator)
    text = cell.strip()
    if longest == 1:  # no label holds the separator: each piece is an option or part of a write-in
        pieces = text.split(core)
        known: list[str] = []
        rest: list[str] = []
        run: list[str] = []
        for piece in pieces:
            label = piece.strip()
            if label in labels:
                known.append(label)
                if run:
                    rest.append(core.join(run).strip())
                    run = []
            elif label:
                run.append(piece)
            elif run:  # an empty piece ends a run as the general reading below does
                rest.append(core.join(run).strip())
                run = []
        if run:
            rest.append(core.join(run).strip())
        return tuple(known), tuple(r for r in rest if r)
    bounds = [-len(core)]
    at = text.find(core)
    while at >= 0:
        bounds.append(at)
        at = text.find(core, at + len(core))
    bounds.append(len(text))
    spans = [(bounds[i] + len(core), bounds[i + 1]) for i in range(len(bounds) - 1)]
    known = []
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start = spans[i][0]
        if not text[start : spans[i][1]].strip():
            i += 1
            continue
        for j in range(min(len(spans), i + longest) - 1, i - 1, -1):
            candidate = text[start : spans[j][1]].strip()
            if candidate in labels:
                known.append(candidate)
                i = j + 1
                break
        else:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
            i += 1
    rest = tuple(text[spans[a][0] : spans[b - 1][1]].strip() for a, b in runs)
    return tuple(known), tuple(r for r in rest if r)


@functools.lru_cache(maxsize=256)
def _labels(options: tuple[str, ...], separator: str) -> tuple[str, frozenset[str], int]:
    """What a cell is cut at, the set of labels, and the most pieces one label spans. Once per question."""
    core = separator.strip() or separator
    return core, frozenset(options), max((o.count(core) for o in options), default=0) + 1


@functools.lru_cache(maxsize=256)
def ambiguous_labels(options: tuple[str, ...], separator: str) -> dict[str, tuple[str, ...]]:
    """Option labels that are also two or more other options joined by ``separator``, with those options:
    a cell holding such a label has two readings.

    >>> ambiguous_labels(("Reading, writing", "Reading", "writing"), ", ")
    {'Reading, writing': ('Reading', 'writing')}
    >>> ambiguous_labels(("Reading, writing", "Reading", "writing"), ";")
    {}
    """
    found = {}
    core = separator.strip() or separator
    for label in options:
        if core not in label:
            continue
        others = tuple(o for o in options if o != label)
        parts, rest = segment(label, others, separator)
        if len(parts) >= 2 and not rest:
            found[label] = parts
    return found


def read_cell(cell: str, question: Question, separator: str) -> Reading:
    """``cell`` (not blank) read against ``question``: see :class:`Reading`.

    >>> from zqf_analysis.data.questionnaire import Question
    >>> q = Question("Q5", "multi", "", ("Badges", "Short courses", "Other"), other="Other")
    >>> read_cell("Badges;Mentoring; coaching;", q, ";")
    Reading(chosen=('Badges', 'Other'), write_in='Mentoring; coaching', problem=None, ambiguous=None)
    """
    return _read_cell(cell, question, separator)


@functools.lru_cache(maxsize=1 << 18)
def _read_cell(cell: str, question: Question, separator: str) -> Reading:
    options = question.options
    if question.type in ("single", "scale"):
        if cell in options:
            return Reading((cell,))
        near = _spelled_apart(cell, options)
        if near:
            return Reading((), problem=near)
        if question.other is not None:
            return Reading((question.other,), write_in=cell)
        return Reading((), problem=f"unknown option {_short(cell)!r}")
    known, rest = _segment(cell, options, separator)
    near = next((n for n in (_spelled_apart(r, options) for r in rest) if n), None)
    if near:
        return Reading(known, problem=near)
    ambiguous = next((label for label in known if label in ambiguous_labels(options, separator)), None)
    if question.type == "ranking":
        if rest:
            return Reading(known, problem=f"unknown option {_short(rest[0])!r} in the ranking")
        twice = next((o for i, o in enumerate(known) if o in known[:i]), None)
        if twice is not None:
            return Reading(known, problem=f"option {_short(twice)!r} is ranked twice")
        return Reading(known, ambiguous=ambiguous)
    chosen = set(known)
    write_in = None
    if rest:
        if question.other is None:
            return Reading(tuple(o for o in options if o in chosen), problem=f"unknown option {_short(rest[0])!r}")
        write_in = separator.join(rest)
        chosen.add(question.other)
    ordered = tuple(o for o in options if o in chosen)
    problem = None
    if question.max_choices is not None and len(ordered) > question.max_choices:
        problem = f"{len(ordered)} options chosen, but the question allows at most {question.max_choices}"
    return Reading(ordered, write_in=write_in, problem=problem, ambiguous=ambiguous)


def _folded(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).casefold().rstrip(".…")


@functools.lru_cache(maxsize=256)
def _folded_options(options: tuple[str, ...]) -> dict[str, str]:
    return {_folded(o): o for o in reversed(options)}  # the first option wins a tie


def _spelled_apart(text: str, options: tuple[str, ...]) -> str | None:
    """When ``text`` is an option spelled differently (case, spaces, a final full stop), the problem to
    report: the questionnaire's label is likely mistyped, and no answer may silently become a write-in."""
    match = _folded_options(options).get(_folded(text))
    if match is None:
        return None
    return f"{_short(text)!r} differs from the option {_short(match)!r} only in spelling: copy the label exactly"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------- separators


@dataclass(frozen=True)
class SeparatorEvidence:
    """How many rows' cells read as two or more known options joined by each separator (and nothing
    else), with a first example of each: what detection and the declared-separator check go by."""

    rows: dict[str, int]
    examples: dict[str, tuple[str, str]]  # separator -> (question id, cell)
    trailing: int  # rows whose cell ends with ';' as Microsoft Forms writes them

    def fits(self, separator: str) -> int:
        return self.rows.get(separator, 0)


def separator_evidence(
    cells: Iterable[tuple[Question, dict[str, int]]], candidates: tuple[str, ...] = SEPARATORS
) -> SeparatorEvidence:
    """Read the distinct cells of the multi-select and ranking questions (``(question, {cell: rows})``)
    with each candidate separator. A cell is evidence for a separator when it contains it and reads as
    at least two known options with nothing left over. At most :data:`SEPARATOR_SAMPLE` distinct cells
    per question are read, most frequent first."""
    rows = dict.fromkeys(candidates, 0)
    examples: dict[str, tuple[str, str]] = {}
    trailing = 0
    for question, distinct in cells:
        sample = sorted(distinct.items(), key=lambda item: (-item[1], item[0]))[:SEPARATOR_SAMPLE]
        for cell, size in sample:
            if cell.rstrip().endswith(";") and not _segment(cell, question.options, ";")[1]:
                trailing += size
            for separator in candidates:
                core = separator.strip() or separator
                if core not in cell:
                    continue
                known, rest = _segment(cell, question.options, separator)
                if len(known) >= 2 and not rest:
                    rows[separator] += size
                    examples.setdefault(separator, (question.id, cell))
    return SeparatorEvidence(rows, examples, trailing)


def choose_separator(evidence: SeparatorEvidence) -> tuple[str, str]:
    """The separator the cells show, and a sentence saying how it was chosen.

    >>> choose_separator(SeparatorEvidence({";": 12, ", ": 0}, {";": ("Q3", "A;B;")}, 12))[0]
    ';'
    """
    semicolon, comma = evidence.fits(";"), evidence.fits(", ")
    if semicolon == comma:
        if semicolon:
            return ";", f"multi-select separator ';' assumed: {semicolon} rows read as known options with either"
        if evidence.trailing:
            return ";", (
                f"multi-select separator ';' detected: {evidence.trailing} rows end with ';' as Microsoft Forms "
                "writes them"
            )
        return ";", (
            "multi-select separator ';' assumed: no cell joins two known options with ';' or ', ', so either "
            "reads the cells alike"
        )
    chosen, other = (";", ", ") if semicolon > comma else (", ", ";")
    question_id, cell = evidence.examples[chosen]
    return chosen, (
        f"multi-select separator {chosen!r} detected: {evidence.fits(chosen)} rows join known options with "
        f"{chosen!r} (e.g. {question_id}: {_short(cell, 60)!r}), {evidence.fits(other)} with {other!r}"
    )


def misfit(declared: str, evidence: SeparatorEvidence) -> str | None:
    """Why a declared separator plainly does not fit the cells (no cell joins known options with it,
    while some join them with another), or None when it may be right."""
    if evidence.fits(declared):
        return None
    others = [s for s in evidence.rows if s != declared and evidence.fits(s)]
    if not others or (declared == ";" and evidence.trailing):
        return None
    best = max(others, key=evidence.fits)
    question_id, cell = evidence.examples[best]
    return (
        f"the multi-select separator is set to {declared!r}, but no cell joins known options with it, while "
        f"{evidence.fits(best)} rows join them with {best!r} (e.g. {question_id}: {_short(cell, 60)!r}); set "
        f"export: separator: {best!r} in questionnaire.yaml, or leave it out to detect it"
    )
