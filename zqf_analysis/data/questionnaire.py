"""The questionnaire codebook: questions, their types and options, read from ``questionnaire.yaml``.

Every other stage asks the questionnaire what a question is (open, single, multi, ranking, scale) and
which options it has, so a dataset for another survey only needs its own YAML. A closed question with an
"Other" option also has a free-text question ``<id>_other``: the write-ins typed in place of "Other".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from zqf_analysis.data.consent import ConsentRule, parse_consent
from zqf_analysis.data.declarations import declarations_file, with_declarations
from zqf_analysis.errors import DataError

QUESTION_TYPES = ("institution", "open", "single", "multi", "ranking", "scale")
CLOSED_TYPES = ("single", "multi", "ranking", "scale")
#: Closed types whose counts give each answering respondent exactly one option (for a ranking, the
#: option ranked first), so the counts add up to the base.
ONE_ANSWER_TYPES = ("single", "ranking", "scale")
#: Types whose cells may hold a write-in typed in place of their "Other" option.
WRITE_IN_TYPES = ("single", "multi")
#: Option labels read as the form's "Other" (English, French, Portuguese, Spanish), compared ignoring
#: case, a trailing colon and "(please specify)"-like notes; ``other:`` in the YAML names any other label.
OTHER_LABELS = ("other", "others", "autre", "autres", "outro", "outra", "outros", "outras", "otro", "otra", "otros")
#: Keys the ``export:`` mapping may hold.
EXPORT_KEYS = ("file", "sheet", "separator", "delimiter", "encoding", "ignore_columns")
#: Chart kinds a question may declare with ``chart:`` (bars are every closed question's default).
CHART_KINDS = ("bars", "pie")
#: The most slices a pie may have: beyond that a reader cannot compare them, and the bars say it better.
PIE_MAX_SLICES = 6


@dataclass(frozen=True)
class Question:
    """One question of the form. ``column`` is its header in a per-respondent export, if it differs."""

    id: str
    type: str
    text: str
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    column: str | None = None
    #: The option that takes write-ins (a cell value that is no option counts as this one), or None.
    other: str | None = None
    #: Scale questions sharing a ``group`` are drawn together (one statement of a Likert grid each).
    group: str | None = None
    #: For a write-in question (``Q3_other``): the id of the closed question it belongs to.
    write_in_of: str | None = None
    #: ``chart: pie`` in the YAML: the question is also drawn as a pie (single choice, at most
    #: :data:`PIE_MAX_SLICES` answered options); every closed question gets its bar chart.
    chart: str | None = None
    #: ``themes: false`` on an open question: no themes run (a URL, e-mail, name or id field); None: detect.
    themes: bool | None = None
    #: ``profile: true``: a closed question describing who the respondents are, shown in the profile.
    profile: bool = False

    @property
    def is_closed(self) -> bool:
        return self.type in CLOSED_TYPES

    @property
    def one_answer(self) -> bool:
        """True when each answering respondent counts once (single, scale, a ranking's first choice)."""
        return self.type in ONE_ANSWER_TYPES

    @property
    def write_in_id(self) -> str | None:
        """The id of this question's write-in answers (``Q3_other``), or None without an Other option."""
        return f"{self.id}_other" if self.other is not None else None

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
    # The consent question and what its options mean (``consent:``; data/consent.py), or None.
    consent: ConsentRule | None = None

    def __getitem__(self, question_id: str) -> Question:
        for question in (*self.questions, *self.write_ins):
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise KeyError(f"unknown question id {question_id!r}; the questionnaire has {known}")

    def __contains__(self, question_id: object) -> bool:
        return any(q.id == question_id for q in (*self.questions, *self.write_ins))

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

    @property
    def write_ins(self) -> tuple[Question, ...]:
        """One open question ``<id>_other`` per closed question with an Other option: the text typed in
        its place. Not part of :attr:`questions` (the form has no such column)."""
        return tuple(
            Question(
                id=q.write_in_id,
                type="open",
                text=f"{q.text} [{q.other}: typed answer]" if q.text else f"{q.id}: {q.other} (typed answer)",
                write_in_of=q.id,
            )
            for q in self.questions
            if q.write_in_id is not None
        )

    @property
    def free_text(self) -> tuple[Question, ...]:
        """Every question answered in the respondents' own words, in the form's order: the open
        questions, each closed question's write-ins right after it. What cleaning and themes read."""
        write_ins = {q.write_in_of: q for q in self.write_ins}
        found: list[Question] = []
        for question in self.questions:
            if question.type == "open":
                found.append(question)
            elif question.id in write_ins:
                found.append(write_ins[question.id])
        return tuple(found)

    @property
    def profile(self) -> tuple[Question, ...]:
        """The closed questions declared ``profile: true``: who the respondents are."""
        return tuple(q for q in self.closed if q.profile)


def safe_load_yaml(text: str) -> object:
    """``yaml.safe_load`` through libyaml's C parser when PyYAML has it (several times faster, same
    safe types), else the pure-Python one."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and check ``questionnaire.yaml``, with the dataset's analysis declarations if it has any
    (``data/declarations/<dataset>.yaml``, :mod:`zqf_analysis.data.declarations`); raises
    :class:`DataError` naming the file and the question at fault."""
    path = Path(path)
    raw = _read_yaml(path, "questionnaire file not found")
    declared = declarations_file(path.parent)
    if declared is not None:
        raw = with_declarations(raw, _read_yaml(declared, "declarations file not found"), declared)
    return parse_questionnaire(raw, source=path)


def _read_yaml(path: Path, missing: str) -> object:
    if not path.is_file():
        raise DataError(missing, file=path)
    try:
        return safe_load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", file=path) from exc
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}", file=path) from exc


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
    scales: dict[str, Question] = {}
    for question in questions:
        first = scales.setdefault(question.group, question) if question.group else question
        if first.options != question.options:
            raise DataError(
                f"scale questions of group {question.group!r} must share one scale, but {question.id}'s options "
                f"differ from {first.id}'s",
                file=source,
                question=question.id,
            )
    taken = {q.write_in_id: q.id for q in questions if q.write_in_id}
    clash = sorted(set(taken) & seen)
    if clash:
        raise DataError(
            f"the id {clash[0]} is taken by the write-ins of {taken[clash[0]]}'s Other option; rename the "
            f"question, or set 'other: none' on {taken[clash[0]]}",
            file=source,
            question=clash[0],
        )
    export = _parse_export(raw.get("export"), source)
    declared = _declared_keys(raw, source)
    return Questionnaire(
        questions=tuple(questions),
        survey=str(raw.get("survey", "")),
        respondents=respondents,
        export=export,
        path=str(source),
        consent=parse_consent(raw.get("consent"), questions, source),
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


def _parse_export(export: object, source: str | Path) -> dict:
    export = export or {}
    if not isinstance(export, dict):
        raise DataError(f"'export' must be a mapping ({', '.join(EXPORT_KEYS)})", file=source)
    unknown = [str(k) for k in export if k not in EXPORT_KEYS]
    if unknown:
        raise DataError(f"export: unknown key {unknown[0]!r}; expected some of {', '.join(EXPORT_KEYS)}", file=source)
    for key in ("separator", "delimiter", "encoding", "file"):
        if key in export and (not isinstance(export[key], str) or not export[key]):
            raise DataError(f"export: {key} must be a non-empty text in quotes, got {export[key]!r}", file=source)
    delimiter = export.get("delimiter")
    if delimiter is not None and len(delimiter) != 1 and delimiter.casefold() not in ("tab", "\\t"):
        raise DataError(
            f"export: delimiter must be one character such as ',' or ';', or tab, got {delimiter!r}", file=source
        )
    encoding = export.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(
                f"export: unknown encoding {encoding!r}; expected for example utf-8, utf-16 or cp1252", file=source
            ) from None
    ignore = export.get("ignore_columns", [])
    if isinstance(ignore, str):
        ignore = [ignore]
    if not isinstance(ignore, list) or not all(isinstance(i, str) and i.strip() for i in ignore):
        raise DataError("export: ignore_columns must be a list of column names or patterns such as 'Points - *'",
                        file=source)
    return {**export, **({"ignore_columns": ignore} if "ignore_columns" in export else {})}


def is_other_label(label: str) -> bool:
    """Whether an option label is the form's "Other" (in English, French, Portuguese or Spanish).

    >>> [is_other_label(label) for label in ("Other", "Autre (préciser) :", "Outra", "Others?")]
    [True, True, True, False]
    """
    text = re.sub(r"\(.*\)", "", label).strip().rstrip(":.").strip().casefold()
    return text in OTHER_LABELS


def _other_option(entry: dict, qtype: str, options: list[str], qid: str, source: str | Path) -> str | None:
    """The option taking write-ins: ``other:`` if given (an option's label, or none/false), else the
    option whose label reads as "Other"; only single and multi questions take write-ins."""
    if "other" in entry:
        named = entry["other"]
        if named in (None, False) or str(named).strip().casefold() in ("none", "false", "no", ""):
            return None
        if qtype not in WRITE_IN_TYPES:
            raise DataError(f"'other' is for single or multi questions, not {qtype}", file=source, question=qid)
        if str(named).strip() not in options:
            raise DataError(f"other: {named!r} is not one of the options", file=source, question=qid)
        return str(named).strip()
    if qtype not in WRITE_IN_TYPES:
        return None
    return next((o for o in options if is_other_label(o)), None)


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
    group = entry.get("group")
    if group is not None and (qtype != "scale" or not str(group).strip()):
        raise DataError("'group' names the grid a scale question belongs to: only on scale questions",
                        file=source, question=qid)
    column = entry.get("column")
    chart, themes, profile = _display_keys(entry, qtype, qid, source)
    return Question(
        id=qid,
        type=qtype,
        text=text,
        options=tuple(options),
        max_choices=max_choices,
        column=str(column) if column is not None else None,
        other=_other_option(entry, qtype, options, qid, source) if qtype in CLOSED_TYPES else None,
        group=str(group).strip() if group is not None else None,
        chart=chart,
        themes=themes,
        profile=profile,
    )


def _display_keys(entry: dict, qtype: str, qid: str, source: str | Path) -> tuple[str | None, bool | None, bool]:
    """The optional ``chart:``, ``themes:`` and ``profile:`` keys of a question, checked."""
    chart = entry.get("chart")
    if chart is not None:
        chart = str(chart).strip().lower()
        if chart not in CHART_KINDS:
            raise DataError(f"chart: {chart!r} is not one of {', '.join(CHART_KINDS)}", file=source, question=qid)
        if chart == "pie" and qtype != "single":
            raise DataError(f"chart: pie is for single-choice questions, not {qtype}", file=source, question=qid)
    themes = entry.get("themes")
    if themes is not None:
        if not isinstance(themes, bool):
            raise DataError(f"themes: expected true or false, got {themes!r}", file=source, question=qid)
        if qtype != "open":
            raise DataError(f"themes: is for open questions, not {qtype}", file=source, question=qid)
    profile = entry.get("profile", False)
    if not isinstance(profile, bool):
        raise DataError(f"profile: expected true or false, got {profile!r}", file=source, question=qid)
    if profile and qtype not in CLOSED_TYPES:
        raise DataError(f"profile: true is for a closed question, not {qtype}", file=source, question=qid)
    return chart, themes, profile
