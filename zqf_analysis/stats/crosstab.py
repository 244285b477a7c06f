"""Crosstabs of every closed question (and every coded theme) by a group variable: counts, bases, shares
with intervals, an exact or permutation test per table and p-values adjusted across the family of tests
of the group variable.

The base of a group is its respondents who answered the question (a blank cell is no answer to the
question, not a "no"); a multi-select option is a yes/no variable per group with its own test, a
single-choice question is one table (groups x options) with one test. Intervals use the method and
confidence of ``02_describe`` (:mod:`zqf_analysis.stats.intervals`); tests are those of
:mod:`zqf_analysis.stats.exact`. Groups are first made safe to show (:mod:`zqf_analysis.stats.disclosure`:
groups under ``min_disclosure`` respondents merged into "other groups"); every group's cells are then
made by :func:`group_cells` and every quote listed under a group by :func:`theme_quotes`, which both
apply the same rule again, and :func:`theme_quotes` lists no quote of a respondent who asked for
anonymity under a group drawn from the institution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from zqf_analysis.data.consent import ANONYMISED
from zqf_analysis.data.groups import INSTITUTION_TYPE, group_codes, group_variable
from zqf_analysis.data.questionnaire import Question, Questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.stats.disclosure import GroupPartition, protect_groups, quote_groups
from zqf_analysis.stats.exact import PERMUTATIONS, TestResult, adjust_p_values, table_test
from zqf_analysis.stats.intervals import IntervalSettings, proportion_interval
from zqf_analysis.stats.params import (
    ADJUST_LABELS,
    ADJUST_METHODS,
    DEFAULT_MIN_BASE,
    DEFAULT_MIN_DISCLOSURE,
    check_adjust,
    check_min_base,
    check_min_disclosure,
)

CROSSTAB_COLUMNS = [
    "group_variable",
    "group",
    "question_id",
    "option",
    "count",
    "base",
    "share",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "test",
    "note",
]


@dataclass(frozen=True)
class GroupSettings:
    """Checked settings of a crosstab: intervals (as ``02_describe``), the smallest base read without
    a note, the adjustment, the Monte Carlo size and its seed, and the smallest group shown on its own."""

    intervals: IntervalSettings = field(default_factory=IntervalSettings)
    min_base: int = DEFAULT_MIN_BASE
    adjust: str = "holm"
    permutations: int = PERMUTATIONS
    seed: int = 0
    min_disclosure: int = DEFAULT_MIN_DISCLOSURE

    def __post_init__(self) -> None:
        check_min_base(self.min_base)
        check_adjust(self.adjust)
        check_min_disclosure(self.min_disclosure)

    @property
    def adjust_label(self) -> str:
        return ADJUST_LABELS[self.adjust]


@dataclass(frozen=True)
class AnswerTable:
    """One question (or one open question's themes) counted by group: ``counts[g, k]`` respondents of
    group g who chose option k, ``bases[g]`` respondents of group g who answered. ``multi``: every
    option is a yes/no variable with its own test."""

    question_id: str
    options: tuple[str, ...]
    counts: np.ndarray
    bases: np.ndarray
    multi: bool


# ------------------------------------------------------------------------------------------ counting


def _option_matrix(column: pd.Series, question: Question, separator: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each distinct cell: which options it names (cells x options), whether it is an answer, and
    every respondent's cell code. Each distinct cell is read once, as the loader reads it: a write-in
    counts as its Other option, a ranking as its first choice (what its counts hold)."""
    from zqf_analysis.data.choices import read_cell

    column = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    cells = [str(c).strip() for c in column.cat.categories]
    position = {o: i for i, o in enumerate(question.options)}
    chosen = np.zeros((len(cells) + 1, len(question.options)), dtype=np.int64)
    answered = np.zeros(len(cells) + 1, dtype=np.int64)
    for index, cell in enumerate(cells):
        if not cell:
            continue
        reading = read_cell(cell, question, separator)
        if reading.problem:
            raise DataError(reading.problem, question=question.id)
        names = reading.chosen[:1] if question.type == "ranking" else reading.chosen
        answered[index] = 1
        chosen[index, [position[n] for n in names]] = 1
    codes = column.cat.codes.to_numpy().astype(np.int64)
    codes[codes < 0] = len(cells)  # a missing cell: the all-zero last row
    return chosen, answered, codes


def count_answers(
    column: pd.Series, question: Question, groups: np.ndarray, n_groups: int, separator: str = ";"
) -> AnswerTable:
    """The answers to one closed question counted by group (``groups``: each respondent's group index)."""
    chosen, answered, codes = _option_matrix(column, question, separator)
    cells = len(answered)
    by_cell = np.bincount(groups * cells + codes, minlength=n_groups * cells).reshape(n_groups, cells)
    return AnswerTable(question.id, question.options, by_cell @ chosen, by_cell @ answered, question.type == "multi")


# ------------------------------------------------------------------------------------------- tables


def question_tests(table: AnswerTable, settings: GroupSettings, key: str) -> list[TestResult]:
    """One test per option of a multi-select question (yes/no by group), or one test of the whole
    table (groups x options) repeated for every option of a single-choice question."""
    if table.multi:
        return [
            table_test(
                np.column_stack([table.counts[:, k], table.bases - table.counts[:, k]]),
                permutations=settings.permutations,
                seed=settings.seed,
                key=f"{key}|{table.question_id}|{option}",
            )
            for k, option in enumerate(table.options)
        ]
    whole = table_test(
        table.counts, permutations=settings.permutations, seed=settings.seed, key=f"{key}|{table.question_id}"
    )
    return [whole] * len(table.options)


def base_note(base: int, settings: GroupSettings) -> str:
    """The note a group's cells carry: none, a small base, or no respondent at all."""
    if base == 0:
        return "no respondent of this group answered"
    if base < settings.min_base:
        return f"small base: {base} respondent{'s' if base != 1 else ''} (under {settings.min_base}); read with care"
    return ""


def group_cells(
    group_variable: str,
    group: str,
    table: AnswerTable,
    g: int,
    tests: list[TestResult],
    settings: GroupSettings,
    partition: GroupPartition | None = None,
) -> list[dict]:
    """The rows of one group for one question: count, base, share and interval of each option, the
    option's test and the group's note. Every crosstab row is made here: a group of ``partition`` still
    under ``min_disclosure`` (only when the whole population is) has its cells suppressed, and the
    merged "other groups" says what it holds."""
    base = int(table.bases[g])
    disclosure = partition.note_of(g) if partition is not None else ""
    suppressed = partition is not None and partition.suppressed(g)
    note = "; ".join(n for n in (disclosure, "" if suppressed else base_note(base, settings)) if n)
    rows = []
    for k, option in enumerate(table.options):
        count = int(table.counts[g, k])
        if suppressed:
            rows.append(
                {
                    "group_variable": group_variable,
                    "group": group,
                    "question_id": table.question_id,
                    "option": option,
                    "count": pd.NA,
                    "base": pd.NA,
                    "share": float("nan"),
                    "ci_low": float("nan"),
                    "ci_high": float("nan"),
                    "p_value": float("nan"),
                    "test": "",
                    "note": note,
                }
            )
            continue
        if base:
            low, high = proportion_interval(count, base, settings.intervals)
            share = count / base
        else:
            share = low = high = float("nan")
        rows.append(
            {
                "group_variable": group_variable,
                "group": group,
                "question_id": table.question_id,
                "option": option,
                "count": count,
                "base": base,
                "share": share,
                "ci_low": low,
                "ci_high": high,
                "p_value": tests[k].p_value,
                "test": tests[k].test,
                "note": note,
            }
        )
    return rows


def crosstab_tables(
    tables: list[AnswerTable],
    labels: tuple[str, ...],
    group_variable: str,
    settings: GroupSettings,
    partition: GroupPartition | None = None,
) -> pd.DataFrame:
    """The crosstab rows of ``tables`` (columns :data:`CROSSTAB_COLUMNS`), with p-values adjusted
    across all their tests: the family of the group variable (a single-choice question's one test
    counts once). ``partition``: the groups as :func:`dataset_groups` made them safe to show."""
    rows: list[dict] = []
    family: list[tuple[str, str]] = []  # one key per distinct test
    for table in tables:
        tests = question_tests(table, settings, group_variable)
        for g, group in enumerate(labels):
            rows += group_cells(group_variable, group, table, g, tests, settings, partition)
        if table.multi:
            family += [(table.question_id, o) for o in table.options]
        else:
            family.append((table.question_id, ""))
    frame = pd.DataFrame(rows, columns=[c for c in CROSSTAB_COLUMNS if c != "p_adjusted"])
    keys = list(zip(frame["question_id"], np.where(_multi_rows(frame, tables), frame["option"], ""), strict=True))
    first = {}
    for key, p in zip(keys, frame["p_value"], strict=True):
        if not pd.isna(p):
            first.setdefault(key, p)
    first = {k: first.get(k, float("nan")) for k in family}
    adjusted = dict(
        zip(family, adjust_p_values([first[k] for k in family], ADJUST_METHODS[settings.adjust]), strict=True)
    )
    frame.insert(CROSSTAB_COLUMNS.index("p_adjusted"), "p_adjusted", [adjusted[k] for k in keys])
    return frame


def _multi_rows(frame: pd.DataFrame, tables: list[AnswerTable]) -> np.ndarray:
    multi = {t.question_id for t in tables if t.multi}
    return frame["question_id"].isin(multi).to_numpy()


def closed_tables(
    responses: pd.DataFrame,
    questionnaire: Questionnaire,
    groups: np.ndarray,
    n_groups: int,
    separator: str = ";",
    skip: tuple[str, ...] = (),
) -> list[AnswerTable]:
    """Every closed question counted by group, in the questionnaire's order (``skip``: question ids
    left out, such as the group variable's own question)."""
    return [
        count_answers(responses[q.id], q, groups, n_groups, separator) for q in questionnaire.closed if q.id not in skip
    ]


def crosstab_dataset(
    dataset, by: str, settings: GroupSettings | None = None, extra: list[AnswerTable] = ()
) -> pd.DataFrame:
    """Every closed question of a per-respondent ``dataset`` (see :func:`zqf_analysis.data.load.load_dataset`)
    by the group variable ``by``; ``extra`` tables (themes by group, :func:`themes_table`) join the
    same family. A published-counts dataset has no respondents to group: :class:`DataError`."""
    settings = settings or GroupSettings()
    if dataset.responses is None:
        raise DataError(
            "crosstabs need a per-respondent export: this dataset has published counts only", file=dataset.path
        )
    partition = dataset_groups(dataset, by, settings.min_disclosure)
    codes, labels = partition
    variable = group_variable(dataset.questionnaire, by)
    separator = dataset.questionnaire.export.get("separator", ";")
    tables = closed_tables(
        dataset.responses, dataset.questionnaire, codes, len(labels), separator, skip=(variable.source,)
    )
    return crosstab_tables([*tables, *extra], labels, by, settings, partition)


def dataset_groups(dataset, by: str, min_disclosure: int = DEFAULT_MIN_DISCLOSURE) -> GroupPartition:
    """Each respondent's group and the group labels (see :func:`zqf_analysis.data.groups.group_codes`),
    with every group under ``min_disclosure`` respondents merged into "other groups"
    (:func:`zqf_analysis.stats.disclosure.protect_groups`); unpacks as ``codes, labels``."""
    codes, labels = group_codes(dataset.responses, dataset.questionnaire, dataset.institution_map, by)
    return protect_groups(codes, labels, min_disclosure)


def withheld_quotes(dataset, by: str) -> frozenset[str]:
    """The response ids whose quotes are listed under no group of ``by``: those who asked for anonymity
    (the consent rule), when ``by`` is drawn from the institution (its type, or a group merging types),
    where a group can be a single institution."""
    consent = getattr(dataset, "consent", None)
    if consent is None or group_variable(dataset.questionnaire, by).source != INSTITUTION_TYPE:
        return frozenset()
    return consent.anonymous_ids


# -------------------------------------------------------------------------------------------- themes


def response_themes(themes: pd.DataFrame) -> dict[str, set[str]]:
    """The themes each substantive answer mentions, from a ``themes_<Q>.csv`` table: its codes (every
    segment's, and its primary code) when the question was coded, else its discovered themes. A
    non-substantive answer has none and is not in the result."""
    coded = "primary_code" in themes.columns and themes["primary_code"].fillna("").astype(str).str.strip().ne("").any()
    found: dict[str, set[str]] = {}
    for record in themes.itertuples(index=False):
        label = str(getattr(record, "cluster_label", "") or "")
        if label == "non-substantive":
            continue
        mentioned = found.setdefault(str(record.response_id), set())
        if coded:
            codes = str(getattr(record, "codes", "") or "")
            mentioned.update(c for c in codes.split("|") if c)
            primary = str(record.primary_code or "")
            if primary:
                mentioned.add(primary)
        elif label:
            mentioned.add(label)
    return found


def themes_table(
    themes: pd.DataFrame,
    question_id: str,
    response_ids: pd.Series,
    groups: np.ndarray,
    n_groups: int,
    order: list[str] | None = None,
) -> AnswerTable:
    """The themes of one open question counted by group: each theme is a yes/no variable of the
    respondents with a substantive answer (the base), tested like a multi-select option."""
    mentioned = response_themes(themes)
    names = list(order or [])
    names += sorted({t for ts in mentioned.values() for t in ts} - set(names))
    index = {rid: i for i, rid in enumerate(response_ids.astype(str))}
    counts = np.zeros((n_groups, len(names)), dtype=np.int64)
    bases = np.zeros(n_groups, dtype=np.int64)
    column = {n: k for k, n in enumerate(names)}
    for rid, ts in mentioned.items():
        if rid not in index:
            continue  # an answer from outside the population
        g = groups[index[rid]]
        bases[g] += 1
        for t in ts:
            counts[g, column[t]] += 1
    return AnswerTable(question_id, tuple(names), counts, bases, True)


def theme_quotes(
    themes: pd.DataFrame,
    theme: str,
    response_ids: pd.Series,
    groups: np.ndarray,
    labels: tuple[str, ...],
    withheld: frozenset[str] = frozenset(),
    min_disclosure: int = DEFAULT_MIN_DISCLOSURE,
) -> dict[str, list[tuple[str, str]]]:
    """Which groups mention ``theme``, with the quotes under each group: ``{group: [(response_id,
    segment), ...]}`` in the groups' order. The segments are the cleaned text (e-mail addresses, phone
    and identity numbers and person names redacted). Every quote listed under a group's name comes
    from here, so the disclosure rules act here: a quote of a group under ``min_disclosure``
    respondents is listed under "other groups", and a quote of a respondent in ``withheld`` (who asked
    for anonymity) under "anonymised", never under the group's name."""
    shown = quote_groups(groups, labels, min_disclosure)
    index = {rid: i for i, rid in enumerate(response_ids.astype(str))}
    coded = "primary_code" in themes.columns and themes["primary_code"].fillna("").astype(str).str.strip().ne("").any()
    quotes: dict[str, list[tuple[str, str]]] = {}
    for record in themes.itertuples(index=False):
        rid = str(record.response_id)
        if rid not in index or str(getattr(record, "cluster_label", "")) == "non-substantive":
            continue
        if coded:
            codes = [c for c in str(getattr(record, "codes", "") or "").split("|") if c]
            hit = theme in codes or (not any(codes) and str(record.primary_code) == theme)
        else:
            hit = str(getattr(record, "cluster_label", "")) == theme
        if hit:
            label = ANONYMISED if rid in withheld else shown[groups[index[rid]]]
            quotes.setdefault(label, []).append((rid, str(record.segment)))
    order = dict.fromkeys([*labels, *shown, ANONYMISED])
    return {label: quotes[label] for label in order if label in quotes}


def group_quotes(dataset, by: str, themes: pd.DataFrame, theme: str, settings: GroupSettings):
    """:func:`theme_quotes` for the groups of ``by`` as the crosstabs show them (small groups merged),
    with the quotes of respondents who asked for anonymity withheld from groups drawn from the
    institution: what ``04_groups`` lists under each group."""
    codes, labels = dataset_groups(dataset, by, settings.min_disclosure)
    withheld = withheld_quotes(dataset, by)
    ids = dataset.responses["response_id"]
    return theme_quotes(themes, theme, ids, codes, labels, withheld, settings.min_disclosure)
