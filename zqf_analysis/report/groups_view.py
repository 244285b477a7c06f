"""What ``04_groups`` shows: banner tables of a question by group, the summary of differences that
survive adjustment, themes with quotes by group, the comparison of two datasets, the page for a
published-counts dataset, and the sheets for ``tables.xlsx``. Every function returns plain frames or
text; the notebook escapes them through :mod:`zqf_analysis.report.show`.
"""

from __future__ import annotations

import pandas as pd

from zqf_analysis.report.excel import Sheet
from zqf_analysis.stats.describe import percent_text


def _pct(value: float) -> str:
    return "" if pd.isna(value) else f"{100 * value:.0f}%"


def cell_text(count, base, low, high) -> str:
    """``3 of 4 = 75% (30-95%)``; ``0 of 0`` for a group nobody in which answered; ``suppressed`` for
    a group too small to show (disclosure control).

    >>> cell_text(3, 4, 0.3006, 0.9544)
    '3 of 4 = 75% (30–95%)'
    """
    if pd.isna(count) or pd.isna(base):
        return "suppressed"
    if not base:
        return "0 of 0"
    return f"{int(count)} of {int(base)} = {percent_text(int(count), int(base), 0)} ({_pct(low)[:-1]}–{_pct(high)})"


def banner_table(crosstabs: pd.DataFrame, group_variable: str, question_id: str) -> pd.DataFrame:
    """One question by group: an option per row, a group per column (count of base = share and the
    interval), then the option's test, p-value and adjusted p-value."""
    rows = crosstabs[(crosstabs["group_variable"] == group_variable) & (crosstabs["question_id"] == question_id)]
    groups = list(dict.fromkeys(rows["group"]))
    table = pd.DataFrame({"option": list(dict.fromkeys(rows["option"]))})
    for group in groups:
        own = rows[rows["group"] == group].set_index("option")
        table[group] = [cell_text(*own.loc[o, ["count", "base", "ci_low", "ci_high"]]) for o in table["option"]]
    tests = rows.drop_duplicates("option").set_index("option")
    table["p"] = [_p(v) for v in tests.loc[table["option"], "p_value"]]
    table["p adjusted"] = [_p(v) for v in tests.loc[table["option"], "p_adjusted"]]
    table["test"] = tests.loc[table["option"], "test"].to_numpy()
    return table


def _p(value: float) -> str:
    if pd.isna(value):
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def small_group_notes(crosstabs: pd.DataFrame, group_variable: str, question_id: str) -> list[str]:
    rows = crosstabs[(crosstabs["group_variable"] == group_variable) & (crosstabs["question_id"] == question_id)]
    notes = rows.drop_duplicates("group")
    return [f"{r.group}: {r.note}." for r in notes.itertuples() if r.note]


def finding_text(finding, interval_label: str = "") -> str:
    """One surviving difference as a sentence, the lead group (never a small one) first."""
    what = f"{finding.question_id}" + (f" '{finding.option}'" if finding.option else "")
    if not finding.lead_group:
        return f"{what}: adjusted p = {_p(finding.p_adjusted)} ({finding.test}); {finding.note}."
    return (
        f"{what}: {finding.lead_group} {int(finding.lead_count)} of {int(finding.lead_base)} "
        f"({percent_text(int(finding.lead_count), int(finding.lead_base), 0)}) against {finding.other_group} "
        f"{int(finding.other_count)} of {int(finding.other_base)} "
        f"({percent_text(int(finding.other_count), int(finding.other_base), 0)}); p = {_p(finding.p_value)}, "
        f"adjusted p = {_p(finding.p_adjusted)} ({finding.test})."
    )


def summary_lines(result) -> list[str]:
    """The honest summary: per group variable, the differences that survive adjustment, or a plain
    statement that none do at this sample size; for a survey with no group variable chosen (no
    institution question and no profile question declared), how to choose one."""
    lines = []
    if result.per_respondent and not result.by:
        from zqf_analysis.data.groups import group_variables

        candidates = ", ".join(group_variables(result.data.questionnaire)) or "none"
        lines.append(
            "No group variable: this dataset has no institution question and declares no groups: and no "
            "profile: true question in its questionnaire, so nothing is broken down by group. Choose one with the "
            f"parameter by (for example PARAMS=\"04_groups.by=...\"); the group variables it offers: {candidates}."
        )
    for row in result.summary.itertuples(index=False):
        if not row.tests:
            lines.append(f"By {row.group_variable}: no test could be made ({row.note or 'no answers to compare'}).")
            continue
        found = result.findings[result.findings["group_variable"] == row.group_variable]
        if found.empty:
            lines.append(
                f"By {row.group_variable}: none of the {row.tests} differences tested survives {row.adjust} "
                f"adjustment (adjusted p < 0.05) with {row.respondents} respondents. At this sample size the "
                "groups cannot be told apart; that is not evidence that they agree."
            )
            continue
        lines.append(
            f"By {row.group_variable}: {len(found)} of {row.tests} differences tested survive {row.adjust} "
            "adjustment (adjusted p < 0.05):"
        )
        lines += [f"- {finding_text(f)}" for f in found.itertuples(index=False)]
    return lines


def theme_quote_table(quotes: dict[str, list[tuple[str, str]]]) -> pd.DataFrame:
    """``group, response_id, quote``: the quotes of one theme under each group that mentions it."""
    rows = [(group, rid, text) for group, items in quotes.items() for rid, text in items]
    return pd.DataFrame(rows, columns=["group", "response_id", "quote"])


def comparison_table(comparison: pd.DataFrame, question_id: str, this: str, other: str) -> pd.DataFrame:
    """One matched question of a comparison: both shares with intervals, the difference with its
    Newcombe interval and the exact test."""
    rows = comparison[comparison["question_id"] == question_id]
    return pd.DataFrame(
        {
            "option": rows["option"],
            this: [
                cell_text(c, b, lo, hi) if not pd.isna(c) else "not legible in source"
                for c, b, lo, hi in zip(rows["count"], rows["base"], rows["ci_low"], rows["ci_high"], strict=True)
            ],
            other: [
                cell_text(c, b, lo, hi) if not pd.isna(c) else "not legible in source"
                for c, b, lo, hi in zip(
                    rows["other_count"], rows["other_base"], rows["other_ci_low"], rows["other_ci_high"], strict=True
                )
            ],
            "difference (points)": [
                "unknown" if pd.isna(d) else f"{100 * d:+.0f} ({100 * lo:+.0f} to {100 * hi:+.0f})"
                for d, lo, hi in zip(rows["difference"], rows["diff_low"], rows["diff_high"], strict=True)
            ],
            "p": [_p(v) for v in rows["p_value"]],
            "p adjusted": [_p(v) for v in rows["p_adjusted"]],
        }
    ).reset_index(drop=True)


def comparison_lines(
    comparison: pd.DataFrame, unmatched: pd.DataFrame, this: str, other: str, adjust: str
) -> list[str]:
    """The comparison's summary: matched options, unknown differences, those surviving adjustment."""
    known = comparison["difference"].notna()
    surviving = comparison[comparison["p_adjusted"] < 0.05]
    lines = [
        f"{len(comparison)} options of {comparison['question_id'].nunique()} questions matched between {this} and "
        f"{other}; {int((~known).sum())} differences are unknown because a count is not legible in the source; "
        f"{len(unmatched)} questions or options did not match (listed below, never guessed)."
    ]
    if surviving.empty:
        lines.append(f"No difference survives {adjust} adjustment (adjusted p < 0.05) at these sample sizes.")
    for row in surviving.itertuples(index=False):
        lines.append(
            f"- {row.question_id} '{row.option}': {this} {percent_text(row.count, row.base, 0)} of {row.base}, "
            f"{other} {percent_text(row.other_count, row.other_base, 0)} of {row.other_base}; difference "
            f"{100 * row.difference:+.0f} points ({100 * row.diff_low:+.0f} to {100 * row.diff_high:+.0f}), "
            f"adjusted p = {_p(row.p_adjusted)}."
        )
    return lines


def group_sheets(result) -> list[Sheet]:
    """The sheets ``04_groups`` adds to ``tables.xlsx``: the summary, every crosstab row, the surviving
    differences and the comparison."""
    population = result.data.population.text if result.data.population else "Population: all respondents."
    consent = getattr(result.data, "consent", None)
    disclosure = (
        f"Disclosure control: a group of fewer than {result.settings.min_disclosure} respondents is never shown on "
        "its own; such groups are merged into 'other groups' (the note of each row says which)."
    )
    sheets = [
        Sheet(
            "groups summary",
            "Respondent groups: tests and differences surviving adjustment",
            result.summary,
            notes=(population, disclosure, consent.text if consent else "No consent rule declared."),
        )
    ]
    if result.crosstabs is not None:
        sheets.append(
            Sheet(
                "crosstabs",
                "Every closed question and theme by group",
                result.crosstabs,
                notes=("Shares and interval bounds are proportions of the group's respondents who answered (base).",),
            )
        )
        sheets.append(Sheet("group differences", "Differences that survive adjustment", result.findings))
    if result.comparison is not None:
        sheets.append(
            Sheet(
                "comparison",
                f"{result.data.name} against {result.other.name}",
                result.comparison,
                notes=("difference = this dataset's share minus the other's, with Newcombe's hybrid score interval.",),
            )
        )
        sheets.append(Sheet("comparison unmatched", "Questions and options that did not match", result.unmatched))
    return sheets
