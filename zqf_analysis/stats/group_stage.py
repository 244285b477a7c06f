"""The group stage behind ``04_groups`` and ``python -m zqf_analysis crosstab``: crosstabs of every closed
question and every coded theme by each group variable, the differences that survive adjustment, and
the comparison with another dataset; written to ``data/processed/<dataset>/``.

Files: ``crosstabs.csv`` (:data:`~zqf_analysis.stats.crosstab.CROSSTAB_COLUMNS`), ``group_summary.csv``
(one row per group variable: groups, tests, how many survive adjustment), ``group_findings.csv`` (the
surviving differences, as the index shows them), and with a comparison ``comparison.csv`` and
``comparison_unmatched.csv``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from zqf_analysis import paths
from zqf_analysis.errors import DataError
from zqf_analysis.stats.crosstab import (
    CROSSTAB_COLUMNS,
    GroupSettings,
    crosstab_dataset,
    dataset_groups,
    themes_table,
)
from zqf_analysis.stats.intervals import interval_settings
from zqf_analysis.stats.params import (
    DEFAULT_MIN_BASE,
    DEFAULT_MIN_DISCLOSURE,
    check_adjust,
    check_compare,
    check_min_base,
    check_min_disclosure,
    split_by,
)

#: A difference is reported when its adjusted p-value is below this.
ALPHA = 0.05
SUMMARY_COLUMNS = [
    "group_variable",
    "description",
    "groups",
    "respondents",
    "tests",
    "surviving",
    "adjust",
    "min_base",
    "population",
    "left_out",
    "note",
    "min_disclosure",
    "merged",
]
FINDING_COLUMNS = [
    "group_variable",
    "question_id",
    "option",
    "lead_group",
    "lead_count",
    "lead_base",
    "lead_share",
    "other_group",
    "other_count",
    "other_base",
    "other_share",
    "p_value",
    "p_adjusted",
    "test",
    "note",
]


@dataclass(frozen=True)
class GroupParams:
    """The notebook's parameters, checked once (see :mod:`zqf_analysis.stats.params`)."""

    dataset: str = "data/raw/zaqa-2024"
    by: str = ""
    compare: str = ""
    min_base: int = DEFAULT_MIN_BASE
    confidence: float = 0.95
    ci_method: str = "wilson"
    adjust: str = "holm"
    population: str = ""
    output_root: str = ""
    min_disclosure: int = DEFAULT_MIN_DISCLOSURE

    def __post_init__(self) -> None:
        split_by(self.by)
        check_min_base(self.min_base)
        check_min_disclosure(self.min_disclosure)
        check_adjust(self.adjust)
        check_compare(self.compare, paths.resolve)
        interval_settings(self.confidence, self.ci_method)

    @property
    def settings(self) -> GroupSettings:
        return GroupSettings(
            interval_settings(self.confidence, self.ci_method),
            int(self.min_base),
            self.adjust,
            min_disclosure=check_min_disclosure(self.min_disclosure),
        )


@dataclass
class GroupResult:
    params: GroupParams
    data: object
    settings: GroupSettings
    by: list[str]
    crosstabs: pd.DataFrame | None
    summary: pd.DataFrame
    findings: pd.DataFrame
    themes: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing_themes: list[str] = field(default_factory=list)
    other: object = None
    comparison: pd.DataFrame | None = None
    unmatched: pd.DataFrame | None = None
    written: list[Path] = field(default_factory=list)

    @property
    def per_respondent(self) -> bool:
        return self.data.responses is not None


def read_themes(processed: Path, questionnaire) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The ``themes_<Q>.csv`` tables the themes stage wrote, and the open questions that have none."""
    found, missing = {}, []
    for question in questionnaire.open:
        path = processed / f"themes_{question.id}.csv"
        if path.is_file():
            found[question.id] = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            missing.append(question.id)
    return found, missing


def group_crosstabs(data, by: list[str], settings: GroupSettings, themes: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The crosstabs of every closed question and every open question's themes by each group variable;
    each group variable's tests are one family."""
    frames = []
    for name in by:
        codes, labels = dataset_groups(data, name, settings.min_disclosure)
        extra = []
        for question_id, table in themes.items():
            answer_table = themes_table(table, question_id, data.responses["response_id"], codes, len(labels))
            order = np.argsort(-answer_table.counts.sum(axis=0), kind="stable")
            extra.append(
                type(answer_table)(
                    question_id,
                    tuple(answer_table.options[i] for i in order),
                    answer_table.counts[:, order],
                    answer_table.bases,
                    True,
                )
            )
        frames.append(crosstab_dataset(data, name, settings, extra))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CROSSTAB_COLUMNS)


def single_question_ids(questionnaire) -> set[str]:
    """Questions tested as one table (groups x options): one test for all their options."""
    return {q.id for q in questionnaire.questions if q.type in ("single", "scale")}


def family_tests(rows: pd.DataFrame, single_ids: set[str]) -> pd.DataFrame:
    """One row per test of a crosstab: each option of a multi-select question or theme, and each
    single-choice question once. Rows without a test are left out."""
    tested = rows[rows["p_value"].notna()]
    key = np.where(tested["question_id"].isin(single_ids), "", tested["option"])
    return tested.assign(_key=key).drop_duplicates(["group_variable", "question_id", "_key"]).drop(columns="_key")


def surviving_differences(
    crosstabs: pd.DataFrame, settings: GroupSettings, single_ids: set[str], alpha: float = ALPHA
) -> pd.DataFrame:
    """One row per test whose adjusted p-value is below ``alpha`` (columns :data:`FINDING_COLUMNS`),
    smallest adjusted p first. The lead group has the highest share among the groups whose base is at
    least ``min_base``, set against the one with the lowest: a finding never leads with a small group
    (when fewer than two groups are large enough, the note says so and no group is named). A
    single-choice question is described by its option whose shares differ the most."""
    rows = []
    tested = crosstabs[crosstabs["p_adjusted"].notna() & (crosstabs["p_adjusted"] < alpha)]
    for (variable, question_id), rows_q in tested.groupby(["group_variable", "question_id"], sort=False):
        single = question_id in single_ids
        candidates = []
        for option in rows_q["option"].unique():
            option_rows = rows_q[rows_q["option"] == option]
            cells = option_rows[option_rows["base"] >= settings.min_base]
            if len(cells) < 2:
                if not single:
                    first = option_rows.iloc[0]
                    rows.append(_unnamed(variable, question_id, option, first, settings))
                continue
            lead, other = cells.loc[cells["share"].idxmax()], cells.loc[cells["share"].idxmin()]
            candidates.append((float(lead["share"] - other["share"]), option, lead, other))
        if single and not candidates:
            rows.append(_unnamed(variable, question_id, "", rows_q.iloc[0], settings))
        chosen = [max(candidates, key=lambda c: c[0])] if single and candidates else candidates
        for _, option, lead, other in chosen:
            rows.append(
                (
                    variable,
                    question_id,
                    option,
                    lead["group"],
                    int(lead["count"]),
                    int(lead["base"]),
                    float(lead["share"]),
                    other["group"],
                    int(other["count"]),
                    int(other["base"]),
                    float(other["share"]),
                    float(lead["p_value"]),
                    float(lead["p_adjusted"]),
                    lead["test"],
                    "",
                )
            )
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    return frame.sort_values("p_adjusted", kind="stable").reset_index(drop=True)


def _unnamed(variable, question_id, option, first, settings) -> tuple:
    return (
        variable,
        question_id,
        option,
        "",
        pd.NA,
        pd.NA,
        np.nan,
        "",
        pd.NA,
        pd.NA,
        np.nan,
        float(first["p_value"]),
        float(first["p_adjusted"]),
        first["test"],
        f"fewer than two groups have a base of at least {settings.min_base}: no group is named",
    )


def group_summary(data, by: list[str], crosstabs: pd.DataFrame | None, settings: GroupSettings) -> pd.DataFrame:
    """One row per group variable: its groups, respondents, tests in its family and how many survive."""
    from zqf_analysis.data.groups import group_variable

    population = data.population.description if data.population else "all respondents"
    left_out = data.population.left_out if data.population else 0
    single_ids = single_question_ids(data.questionnaire)
    rows = []
    for name in by:
        variable = group_variable(data.questionnaire, name)
        if crosstabs is None:
            rows.append(
                (
                    name,
                    variable.description,
                    "",
                    data.respondents,
                    0,
                    0,
                    settings.adjust_label,
                    settings.min_base,
                    population,
                    left_out,
                    "published counts only: no crosstab can be computed",
                    settings.min_disclosure,
                    "",
                )
            )
            continue
        own = crosstabs[crosstabs["group_variable"] == name]
        family = family_tests(own, single_ids)
        surviving = int((family["p_adjusted"] < ALPHA).sum())
        groups = " | ".join(dict.fromkeys(own["group"]))
        rows.append(
            (
                name,
                variable.description,
                groups,
                data.respondents,
                len(family),
                surviving,
                settings.adjust_label,
                settings.min_base,
                population,
                left_out,
                "",
                settings.min_disclosure,
                dataset_groups(data, name, settings.min_disclosure).merged_text,
            )
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def run_groups(params: GroupParams, write: bool = True) -> GroupResult:
    """Load the dataset (in the chosen population), crosstab it by every group variable of ``by``,
    find the surviving differences, compare with ``compare``; write the tables when ``write``."""
    from zqf_analysis.data.load import load_dataset
    from zqf_analysis.stats.compare import compare_datasets
    from zqf_analysis.stats.params import check_by, check_population

    dataset_path = paths.resolve(params.dataset)
    if not (dataset_path / "questionnaire.yaml").is_file():
        raise DataError("parameter dataset: not a dataset folder (no questionnaire.yaml)", file=dataset_path)
    data = load_dataset(dataset_path, population=params.population)
    check_population(params.population, data.questionnaire)
    by = check_by(params.by, data.questionnaire)
    settings = params.settings
    processed = paths.processed_dir(dataset_path, params.output_root or None)
    themes, missing = read_themes(processed, data.questionnaire) if data.responses is not None else ({}, [])
    crosstabs = group_crosstabs(data, by, settings, themes) if data.responses is not None else None
    findings = (
        surviving_differences(crosstabs, settings, single_question_ids(data.questionnaire))
        if crosstabs is not None
        else pd.DataFrame(columns=FINDING_COLUMNS)
    )
    result = GroupResult(
        params, data, settings, by, crosstabs, group_summary(data, by, crosstabs, settings), findings, themes, missing
    )
    if params.compare:
        other = load_dataset(paths.resolve(params.compare))
        result.other = other
        result.comparison, result.unmatched = compare_datasets(data, other, settings.intervals, params.adjust)
    if write:
        result.written = write_outputs(result, processed)
    return result


def write_outputs(result: GroupResult, processed: Path) -> list[Path]:
    """Write the stage's tables atomically (all rendered before any is replaced); a comparison's
    tables are removed when no comparison was asked for, so an old one is never read as current."""
    from zqf_analysis.io import write_tables_atomic

    tables = {"group_summary": result.summary, "group_findings": result.findings}
    if result.crosstabs is not None:
        tables["crosstabs"] = result.crosstabs
    if result.comparison is not None:
        tables["comparison"] = result.comparison
        tables["comparison_unmatched"] = result.unmatched
    written = write_tables_atomic(processed, tables)
    for stale in ("crosstabs", "comparison", "comparison_unmatched"):
        if stale not in tables and (processed / f"{stale}.csv").is_file():
            (processed / f"{stale}.csv").unlink()
    return written


# --------------------------------------------------------------------------------------- command line


def _crosstab(args: argparse.Namespace) -> int:
    from zqf_analysis.io import write_csv_atomic

    params = GroupParams(
        dataset=args.dataset,
        by=args.by,
        min_base=args.min_base,
        min_disclosure=args.min_disclosure,
        confidence=args.confidence,
        ci_method=args.ci_method,
        adjust=args.adjust,
        population=args.population,
    )
    result = run_groups(params, write=False)
    if result.crosstabs is None:
        raise DataError(
            "crosstabs need a per-respondent export: this dataset has published counts only", file=params.dataset
        )
    target = Path(args.output) if args.output else paths.processed_dir(result.data.path) / "crosstabs.csv"
    write_csv_atomic(target, result.crosstabs)
    family = result.summary
    for row in family.itertuples(index=False):
        print(f"{row.group_variable}: {row.tests} tests, {row.surviving} below {ALPHA} after {row.adjust}")
    print(target)
    return 0


def register(subparsers) -> None:
    """Add the ``crosstab`` command to the package's command line."""
    command = subparsers.add_parser(
        "crosstab", help="crosstab every closed question (and coded theme) of a dataset by a group variable"
    )
    command.add_argument("--dataset", required=True, help="dataset folder with a per-respondent export")
    command.add_argument(
        "--by",
        required=True,
        help="group variable(s): institution_type, a single-choice "
        "question id or a groups: name; several joined by commas",
    )
    command.add_argument("--output", help="CSV to write (default: data/processed/<dataset>/crosstabs.csv)")
    command.add_argument("--min-base", type=int, default=DEFAULT_MIN_BASE, help="bases below this get a note")
    command.add_argument(
        "--min-disclosure",
        type=int,
        default=DEFAULT_MIN_DISCLOSURE,
        help="groups with fewer respondents are merged into 'other groups' (1: off)",
    )
    command.add_argument("--adjust", default="holm", help="holm, bh or none (across each group variable's tests)")
    command.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals")
    command.add_argument("--ci-method", default="wilson", help="a statsmodels proportion_confint method")
    command.add_argument("--population", default="", help="'' (the questionnaire's filter), all, or a filters: name")
    command.set_defaults(run=_crosstab)
