"""Respondent groups and populations: who is in which group, and which respondents an analysis covers.

A group variable is the institution type (from ``institution_map.csv``), any single-choice or scale
question, or a derived variable declared under ``groups:`` in the questionnaire (a source and a mapping
of its values to group labels, for example merging small categories). A respondent with no value is in
the group "no answer": never silently dropped. A population is declared under ``filter:`` (the default)
or ``filters:`` (named, chosen by a parameter): a condition ``{question, keep | drop}`` or a list of
them, all of which must hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zqf_analysis.data.questionnaire import Questionnaire
from zqf_analysis.errors import DataError

if TYPE_CHECKING:  # numpy and pandas load only where respondents are counted: the build checks
    import numpy as np  # parameters (group names, filters) with this module on every no-op run
    import pandas as pd

#: The group of respondents who gave no value for the group variable.
NO_ANSWER = "no answer"
#: The group variable read from ``institution_map.csv``.
INSTITUTION_TYPE = "institution_type"
#: What an institution without a row in the mapping is typed (as the cleaning stage does).
UNMAPPED = "unmapped"
#: Question types whose answer puts a respondent in exactly one group.
GROUPING_TYPES = ("single", "scale")
#: Parameter values meaning "every respondent, whatever the questionnaire declares".
EVERYONE = ("all", "none")


@dataclass(frozen=True)
class GroupVariable:
    """A way of splitting respondents: ``source`` is a question id or ``institution_type``;
    ``mapping`` sends source values to group labels (values it does not name keep their own)."""

    name: str
    source: str
    mapping: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def label_of(self, value: str) -> str:
        return dict(self.mapping).get(value, value)


def group_variables(questionnaire: Questionnaire) -> dict[str, GroupVariable]:
    """Every group variable the dataset offers, by name: ``institution_type`` (when the form has an
    institution question), each single-choice or scale question, and each derived ``groups:`` entry."""
    found: dict[str, GroupVariable] = {}
    if questionnaire.institution is not None:
        found[INSTITUTION_TYPE] = GroupVariable(
            INSTITUTION_TYPE, INSTITUTION_TYPE, (), "institution type (institution_map.csv)"
        )
    for question in questionnaire.of_type(*GROUPING_TYPES):
        found[question.id] = GroupVariable(question.id, question.id, (), f"{question.id}. {question.text}")
    for position, entry in enumerate(questionnaire.groups, start=1):
        variable = _parse_group(entry, position, questionnaire, found)
        found[variable.name] = variable
    return found


def _parse_group(entry: object, position: int, questionnaire: Questionnaire, known: dict) -> GroupVariable:
    source_file = questionnaire.path or "questionnaire"
    if not isinstance(entry, dict) or not entry.get("name") or not entry.get("question"):
        raise DataError(f"groups entry {position}: expected a mapping with name, question and map", file=source_file)
    name, source = str(entry["name"]), str(entry["question"])
    if name in known or name in questionnaire:
        raise DataError(
            f"groups entry {position}: the name {name!r} is already a group variable or question", file=source_file
        )
    if source not in known or known[source].mapping:
        usable = ", ".join(v for v, g in known.items() if not g.mapping) or "none"
        raise DataError(
            f"groups entry {name!r}: question {source!r} cannot define groups; expected one of {usable}",
            file=source_file,
        )
    mapping = entry.get("map") or {}
    if not isinstance(mapping, dict) or not mapping:
        raise DataError(f"groups entry {name!r}: 'map' must map values of {source} to group labels", file=source_file)
    if source != INSTITUTION_TYPE:
        options = questionnaire[source].options
        unknown = [str(v) for v in mapping if str(v).strip() not in options]
        if unknown:
            raise DataError(
                f"groups entry {name!r}: {unknown[0]!r} is not an option of {source}; options: {'; '.join(options)}",
                file=source_file,
            )
    pairs = tuple((str(k).strip(), str(v).strip()) for k, v in mapping.items())
    if any(not label for _, label in pairs):
        raise DataError(f"groups entry {name!r}: a group label is empty", file=source_file)
    return GroupVariable(name, source, pairs, str(entry.get("text") or f"{name} (from {source})"))


def default_group_variables(questionnaire: Questionnaire) -> list[str]:
    """The group variables a dataset is broken down by when none is named: its ``groups:`` entries if it
    declares any, else ``institution_type`` when the form has an institution question, else the
    single-choice or scale questions declared ``profile: true``, else none (an anonymous survey is broken
    down only by a variable the analyst chose or declared; no question is guessed)."""
    declared = [str(entry.get("name")) for entry in questionnaire.groups if isinstance(entry, dict)]
    if declared:
        return declared
    if questionnaire.institution is not None:
        return [INSTITUTION_TYPE]
    # an anonymous survey: the questions its questionnaire declares ``profile: true`` that can group
    return [q.id for q in questionnaire.profile if q.type in GROUPING_TYPES]


def group_variable(questionnaire: Questionnaire, name: str) -> GroupVariable:
    """The group variable called ``name``; a :class:`DataError` lists the ones there are."""
    variables = group_variables(questionnaire)
    if name not in variables:
        raise DataError(
            f"parameter by={name!r}: not a group variable of this dataset; expected one of "
            f"{', '.join(variables) or 'none (no institution, single-choice or scale question)'}",
            file=questionnaire.path,
        )
    return variables[name]


def institution_type_lookup(institution_map: pd.DataFrame | None) -> dict[str, str]:
    """Printed institution name (stripped) -> its type in ``institution_map.csv``."""

    if institution_map is None or not len(institution_map):
        return {}
    names = institution_map["institution"].astype(str).str.strip()
    return dict(zip(names, institution_map["institution_type"].astype(str), strict=True))


def _categorical(column: pd.Series) -> pd.Series:
    import pandas as pd

    return column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")


def group_codes(
    responses: pd.DataFrame, questionnaire: Questionnaire, institution_map: pd.DataFrame | None, name: str
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each respondent's group as an index into ``labels``, and the labels in display order: the
    source's order (options in the form's order, institution types sorted then ``unmapped``, a derived
    variable's labels in the order of its map), then any other value, then "no answer". Only groups
    with at least one respondent are listed. Computed on the distinct values (the answers are
    categoricals), so a million rows cost one pass.

    An institution without a row in the mapping is typed ``unmapped``, as the cleaning stage does.
    """
    import numpy as np

    variable = group_variable(questionnaire, name)
    if variable.source == INSTITUTION_TYPE:
        if questionnaire.institution is None:
            raise DataError("the form has no institution question, so no institution type", file=questionnaire.path)
        column = _categorical(responses[questionnaire.institution.id])
        lookup = institution_type_lookup(institution_map)
        raw = [str(c).strip() for c in column.cat.categories]
        categories = [lookup.get(c, UNMAPPED) if c else "" for c in raw]
        order = sorted({t for t in lookup.values()}) + [UNMAPPED]
    else:
        column = _categorical(responses[variable.source])
        categories = [str(c).strip() for c in column.cat.categories]
        order = list(questionnaire[variable.source].options)
    values = [NO_ANSWER if not c else variable.label_of(c) for c in categories]
    labels_order = list(dict.fromkeys([label for _, label in variable.mapping] + [variable.label_of(o) for o in order]))
    codes = column.cat.codes.to_numpy()
    present = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    seen = {v for v, used in zip(values, present, strict=True) if used}
    if (codes < 0).any():
        seen.add(NO_ANSWER)
    extra = sorted(seen - set(labels_order) - {NO_ANSWER})
    labels = tuple(label for label in [*labels_order, *extra, NO_ANSWER] if label in seen)
    position = {label: i for i, label in enumerate(labels)}
    lookup_codes = np.array([position.get(v, -1) for v in values] + [position.get(NO_ANSWER, -1)], dtype=np.int64)
    return lookup_codes[codes], labels  # code -1 (a missing cell) picks the last entry: "no answer"


# ---------------------------------------------------------------------------------------- populations


@dataclass(frozen=True)
class Condition:
    """Keep (or drop) respondents whose ``question`` has one of ``values``."""

    question: str
    values: tuple[str, ...]
    keep: bool = True

    def describe(self) -> str:
        verb = "is" if self.keep else "is not"
        return f"{self.question} {verb} {' or '.join(self.values)}"


@dataclass(frozen=True)
class Population:
    """The respondents an analysis covers: ``name`` ("" for the questionnaire's ``filter:``) and the
    conditions, all of which must hold."""

    name: str
    conditions: tuple[Condition, ...]

    def describe(self) -> str:
        label = f"filter {self.name!r}" if self.name else "filter"
        return f"{label}: " + "; and ".join(c.describe() for c in self.conditions)


@dataclass(frozen=True)
class PopulationSummary:
    """What a population left: the description, the respondents kept and those left out."""

    description: str
    respondents: int
    left_out: int

    @property
    def text(self) -> str:
        return (
            f"Population: {self.description}. {self.respondents} respondents kept, {self.left_out} left out "
            f"(of {self.respondents + self.left_out})."
        )


def declared_populations(questionnaire: Questionnaire) -> dict[str, Population]:
    """The populations the questionnaire declares: ``""`` for ``filter:`` and one per ``filters:`` name."""
    found = {}
    if questionnaire.filter is not None:
        found[""] = Population("", _conditions(questionnaire.filter, "filter", questionnaire))
    for name, conditions in questionnaire.filters.items():
        if str(name) in ("", *EVERYONE):
            raise DataError(f"filters: {name!r} cannot name a filter (reserved)", file=questionnaire.path)
        found[str(name)] = Population(str(name), _conditions(conditions, f"filters.{name}", questionnaire))
    return found


def _conditions(raw: object, where: str, questionnaire: Questionnaire) -> tuple[Condition, ...]:
    entries = raw if isinstance(raw, list) else [raw]
    variables = group_variables(questionnaire)
    conditions = []
    for entry in entries:
        if not isinstance(entry, dict) or "question" not in entry or ("keep" in entry) == ("drop" in entry):
            raise DataError(
                f"{where}: expected {{question: ID, keep: [values]}} or {{question: ID, drop: [values]}}, "
                f"got {entry!r}",
                file=questionnaire.path,
            )
        question = str(entry["question"])
        values = entry.get("keep", entry.get("drop"))
        values = tuple(str(v).strip() for v in (values if isinstance(values, list) else [values]))
        usable = question in variables or (question in questionnaire and questionnaire[question].type in ("multi",))
        if not usable:
            raise DataError(
                f"{where}: {question!r} is not a question or group variable a filter can use; expected one of "
                f"{', '.join([*variables, *(q.id for q in questionnaire.of_type('multi'))])}",
                file=questionnaire.path,
            )
        if question in questionnaire:
            options = questionnaire[question].options
            unknown = [v for v in values if v not in options and v != NO_ANSWER]
            if unknown:
                raise DataError(
                    f"{where}: {unknown[0]!r} is not an option of {question}; options: {'; '.join(options)}",
                    file=questionnaire.path,
                )
        conditions.append(Condition(question, values, keep="keep" in entry))
    return tuple(conditions)


def choose_population(questionnaire: Questionnaire, name: str = "") -> Population | None:
    """The population a run covers: ``""`` = the questionnaire's ``filter:`` (everyone if none),
    ``"all"`` = everyone, or a name under ``filters:``; a :class:`DataError` names the ones declared."""
    name = str(name or "").strip()
    if name in EVERYONE:
        return None
    declared = declared_populations(questionnaire)
    if name in declared:
        return declared[name]
    if not name:
        return None
    names = [n for n in declared if n]
    raise DataError(
        f"parameter population={name!r}: not a declared filter; expected '' (the questionnaire's filter), "
        f"'all'{', or one of ' + ', '.join(names) if names else ' (no filters: are declared)'}",
        file=questionnaire.path,
    )


def population_mask(
    responses: pd.DataFrame,
    questionnaire: Questionnaire,
    institution_map: pd.DataFrame | None,
    population: Population,
    separator: str = ";",
) -> np.ndarray:
    """True for each respondent the population keeps (every condition holds)."""
    import numpy as np

    keep = np.ones(len(responses), dtype=bool)
    for condition in population.conditions:
        if condition.question in questionnaire and questionnaire[condition.question].type == "multi":
            matches = _multi_matches(
                responses[condition.question], questionnaire[condition.question], condition, separator
            )
        else:
            codes, labels = group_codes(responses, questionnaire, institution_map, condition.question)
            wanted = np.array([label in condition.values for label in labels] + [False])
            matches = wanted[codes]
        keep &= matches if condition.keep else ~matches
    return keep


def _multi_matches(column: pd.Series, question, condition: Condition, separator: str) -> np.ndarray:
    import numpy as np

    from zqf_analysis.data.choices import read_cell

    column = _categorical(column)
    hits = []
    for cell in column.cat.categories:
        cell = str(cell).strip()
        chosen = read_cell(cell, question, separator).chosen if cell else [NO_ANSWER]  # a write-in: Other
        hits.append(any(c in condition.values for c in chosen))
    lookup = np.array([*hits, NO_ANSWER in condition.values])
    return lookup[column.cat.codes.to_numpy()]


def apply_population(
    responses: pd.DataFrame,
    questionnaire: Questionnaire,
    institution_map: pd.DataFrame | None,
    population: Population | None,
    separator: str = ";",
) -> tuple[pd.DataFrame, PopulationSummary | None]:
    """The respondents the population keeps (all of them for ``None``) and what it left out."""
    if population is None:
        return responses, None
    mask = population_mask(responses, questionnaire, institution_map, population, separator)
    kept = responses[mask].reset_index(drop=True)
    if kept.empty:
        raise DataError(f"the {population.describe()} leaves no respondent", file=questionnaire.path)
    return kept, PopulationSummary(population.describe(), len(kept), int((~mask).sum()))
