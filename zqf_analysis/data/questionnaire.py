"""The questionnaire codebook: questions, their types and options, read from ``questionnaire.yaml``.

Every other stage asks the questionnaire what a question is (open, single, multi) and which options it
has, so a dataset for another survey only needs its own YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from zqf_analysis.errors import DataError

QUESTION_TYPES = ("institution", "open", "single", "multi")
CLOSED_TYPES = ("single", "multi")


@dataclass(frozen=True)
class Question:
    """One question of the form. ``column`` is its header in a per-respondent export, if it differs."""

    id: str
    type: str
    text: str
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    column: str | None = None

    @property
    def is_closed(self) -> bool:
        return self.type in CLOSED_TYPES

    def option_index(self, option: str) -> int:
        """Position of ``option`` in the form's order (raises ``ValueError`` if unknown)."""
        return self.options.index(option)


@dataclass(frozen=True)
class Questionnaire:
    """All questions of a survey in the form's order, plus the number of respondents if published."""

    questions: tuple[Question, ...]
    survey: str = ""
    respondents: int | None = None
    export: dict = field(default_factory=dict)
    path: str | None = None
    # Respondent groups and populations as declared (``groups:``, ``filter:``, ``filters:``) and how
    # questions match another wave's (``comparison:``); checked by data/groups.py and stats/compare.py.
    groups: tuple = ()
    filter: object = None
    filters: dict = field(default_factory=dict)
    comparison: dict = field(default_factory=dict)

    def __getitem__(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise KeyError(f"unknown question id {question_id!r}; the questionnaire has {known}")

    def __contains__(self, question_id: object) -> bool:
        return any(q.id == question_id for q in self.questions)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def of_type(self, *types: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type in types)

    @property
    def closed(self) -> tuple[Question, ...]:
        return self.of_type(*CLOSED_TYPES)

    @property
    def open(self) -> tuple[Question, ...]:
        return self.of_type("open")

    @property
    def institution(self) -> Question | None:
        found = self.of_type("institution")
        return found[0] if found else None


def safe_load_yaml(text: str) -> object:
    """``yaml.safe_load`` through libyaml's C parser when PyYAML has it (several times faster, same
    safe types), else the pure-Python one."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and check ``questionnaire.yaml``; raises :class:`DataError` naming the question at fault."""
    path = Path(path)
    if not path.is_file():
        raise DataError("questionnaire file not found", file=path)
    try:
        raw = safe_load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", file=path) from exc
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}", file=path) from exc
    return parse_questionnaire(raw, source=path)


def parse_questionnaire(raw: object, source: str | Path = "questionnaire") -> Questionnaire:
    """Build a :class:`Questionnaire` from the parsed YAML mapping, checking every question."""
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list) or not raw["questions"]:
        raise DataError("expected a mapping with a non-empty list under 'questions'", file=source)
    respondents = raw.get("respondents")
    if respondents is not None and (not isinstance(respondents, int) or respondents < 1):
        raise DataError(f"'respondents' must be a positive whole number, got {respondents!r}", file=source)
    questions: list[Question] = []
    seen: set[str] = set()
    for position, entry in enumerate(raw["questions"], start=1):
        question = _parse_question(entry, position, source)
        if question.id in seen:
            raise DataError("duplicate question id", file=source, question=question.id)
        seen.add(question.id)
        questions.append(question)
    export = raw.get("export") or {}
    if not isinstance(export, dict):
        raise DataError("'export' must be a mapping (file, separator, sheet)", file=source)
    declared = _declared_keys(raw, source)
    return Questionnaire(
        questions=tuple(questions),
        survey=str(raw.get("survey", "")),
        respondents=respondents,
        export=export,
        path=str(source),
        **declared,
    )


def _declared_keys(raw: dict, source: str | Path) -> dict:
    """The optional ``groups:``, ``filter:``, ``filters:`` and ``comparison:`` keys, shape-checked here
    and read against the questions by :mod:`zqf_analysis.data.groups` and :mod:`zqf_analysis.stats.compare`."""
    groups = raw.get("groups") or []
    if not isinstance(groups, list):
        raise DataError("'groups' must be a list of {name, question, map}", file=source)
    filters = raw.get("filters") or {}
    if not isinstance(filters, dict):
        raise DataError("'filters' must be a mapping of names to conditions", file=source)
    comparison = raw.get("comparison") or {}
    if not isinstance(comparison, dict):
        raise DataError("'comparison' must be a mapping with 'questions' and 'options'", file=source)
    return {"groups": tuple(groups), "filter": raw.get("filter"), "filters": filters, "comparison": comparison}


def _parse_question(entry: object, position: int, source: str | Path) -> Question:
    if not isinstance(entry, dict) or "id" not in entry:
        raise DataError(f"question number {position} has no 'id'", file=source)
    qid = str(entry["id"])
    qtype = entry.get("type")
    if qtype not in QUESTION_TYPES:
        raise DataError(
            f"type {qtype!r} is not one of {', '.join(QUESTION_TYPES)}", file=source, question=qid
        )
    text = str(entry.get("text", "")).strip()
    options = entry.get("options") or []
    if qtype in CLOSED_TYPES:
        if not isinstance(options, list) or not options:
            raise DataError(f"a {qtype} question needs a list of options", file=source, question=qid)
        options = [str(o).strip() for o in options]
        duplicates = sorted({o for o in options if options.count(o) > 1})
        if duplicates:
            raise DataError(
                f"duplicate option {duplicates[0]!r}: each option must appear once", file=source, question=qid
            )
        if any(not o for o in options):
            raise DataError("an option label is empty", file=source, question=qid)
    elif options:
        raise DataError(f"a {qtype} question cannot have options", file=source, question=qid)
    max_choices = entry.get("max_choices")
    if max_choices is not None:
        if qtype != "multi" or not isinstance(max_choices, int) or not 1 <= max_choices <= len(options):
            raise DataError(
                f"max_choices must be a whole number between 1 and {len(options)} on a multi question, "
                f"got {max_choices!r}",
                file=source,
                question=qid,
            )
    column = entry.get("column")
    return Question(
        id=qid,
        type=qtype,
        text=text,
        options=tuple(options),
        max_choices=max_choices,
        column=str(column) if column is not None else None,
    )
