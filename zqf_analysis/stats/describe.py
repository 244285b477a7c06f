"""Descriptive statistics of the closed questions: counts, shares of an explicit base, and their intervals.

Every share says what it is a share of (respondents, never selections), carries a confidence interval
from statsmodels, and a count the source lost stays missing: no share, no interval, never part of a total.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pandas as pd

from zqf_analysis.data.questionnaire import Question, Questionnaire
from zqf_analysis.data.validate import NOT_LEGIBLE  # noqa: F401 - part of describe's interface
from zqf_analysis.errors import DataError
from zqf_analysis.stats.intervals import (  # noqa: F401 - part of describe's interface
    CI_METHODS,
    IntervalSettings,
    interval_settings,
    proportion_interval,
    wilson_interval,
)

SUMMARY_COLUMNS = ["question_id", "option", "count", "base", "share", "ci_low", "ci_high", "status", "write_ins"]
RANKING_COLUMNS = [
    "question_id", "option", "ranked", "mean_rank", "first_choice", "base", "first_choice_share", "ci_low", "ci_high"
]  # fmt: skip


def percent_text(count: int, base: int, decimals: int = 1) -> str:
    """``count / base`` as a printed percentage, rounded half up as spreadsheets and chart tools do.

    Exact arithmetic (fractions) keeps 3 of 24 = 12.5% from becoming 12% through binary rounding.

    >>> percent_text(20, 23), percent_text(3, 24, 0), percent_text(14, 23, 0)
    ('87.0%', '13%', '61%')
    """
    return f"{round_half_up(Fraction(100 * int(count), int(base)), decimals)}%"


def round_half_up(value: Fraction | float | int, decimals: int = 0) -> str:
    """``value`` rounded half away from zero to ``decimals`` places, as text (``'12.5'`` -> ``'13'``)."""
    exact = Fraction(value) if not isinstance(value, Fraction) else value
    scale = 10**decimals
    scaled = abs(exact) * scale
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    sign = "-" if exact < 0 and whole else ""
    if decimals == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole // scale}.{whole % scale:0{decimals}d}"


# ---------------------------------------------------------------------------------------- summaries


def closed_summary(
    closed_counts: pd.DataFrame, questionnaire: Questionnaire, settings: IntervalSettings | None = None
) -> pd.DataFrame:
    """``question_id, option, count, base, share, ci_low, ci_high, status`` for every closed option.

    ``closed_counts`` is the cleaned table (``question_id, option, count, base, status`` and, when
    known, ``write_ins``). Shares and interval bounds are proportions of ``base`` (respondents, or for
    an export the submissions that answered the question). A missing count keeps an empty share and
    interval: it is not known. ``write_ins``: on an Other option's row, how many of its answers were
    typed in (empty when not known or not an Other option). A ranking question's count is how many
    ranked the option first. Rows follow the questionnaire and, within a question, the form's order.
    """
    settings = settings or IntervalSettings()
    required = ["question_id", "option", "count", "base", "status"]
    absent = [c for c in required if c not in closed_counts.columns]
    if absent:
        raise DataError(f"closed counts lack column(s) {', '.join(absent)}; expected {', '.join(required)}")
    rows = []
    by_key = {
        (q, o): r
        for q, o, r in zip(
            closed_counts["question_id"],
            closed_counts["option"],
            closed_counts.itertuples(index=False),
            strict=True,
        )
    }
    for question in questionnaire.closed:
        for option in question.options:
            record = by_key.get((question.id, option))
            if record is None:
                raise DataError(f"no count row for option {option!r}", question=question.id, column="option")
            base = int(record.base)
            known = not pd.isna(record.count)
            if known and base < 1:
                raise DataError(
                    f"base must be at least 1 for a known count, got {base}",
                    question=question.id,
                    column="base",
                )
            if known:
                count = int(record.count)
                low, high = proportion_interval(count, base, settings)
                share = count / base
            else:
                count, share, low, high = pd.NA, float("nan"), float("nan"), float("nan")
            typed = getattr(record, "write_ins", pd.NA)
            rows.append((question.id, option, count, base, share, low, high, str(record.status), typed))
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    summary["count"] = summary["count"].astype("Int64")
    summary["write_ins"] = pd.to_numeric(summary["write_ins"], errors="coerce").astype("Int64")
    return summary


def question_table(summary: pd.DataFrame, question_id: str) -> pd.DataFrame:
    """One question's rows for display: percentages with one decimal, and "not legible in source"
    instead of an empty count, so a reader never takes a lost count for a zero."""
    rows = summary[summary["question_id"] == question_id]
    table = pd.DataFrame(
        {
            "option": rows["option"],
            "count": [NOT_LEGIBLE if pd.isna(c) else str(int(c)) for c in rows["count"]],
            "base": rows["base"].astype(int),
            "share": [_pct(s) for s in rows["share"]],
            "ci_low": [_pct(s) for s in rows["ci_low"]],
            "ci_high": [_pct(s) for s in rows["ci_high"]],
            "status": rows["status"],
        }
    )
    if "write_ins" in rows.columns and rows["write_ins"].fillna(0).gt(0).any():  # shown when some were typed
        table["write_ins"] = ["" if pd.isna(n) else str(int(n)) for n in rows["write_ins"]]
    return table.reset_index(drop=True)


def _pct(value: float) -> str:
    return "" if pd.isna(value) else f"{100 * value:.1f}%"


# ------------------------------------------------------------------------------ rankings and scales


def ranking_summary(
    rankings: pd.DataFrame | None, questionnaire: Questionnaire, settings: IntervalSettings | None = None
) -> pd.DataFrame:
    """For each option of each ranking question: ``ranked`` (respondents who put it in their order),
    ``mean_rank`` (1 = first, over those respondents), ``first_choice`` (how many ranked it first), the
    ``base`` (respondents who answered the question), ``first_choice_share`` of the base and its interval.

    ``rankings`` is ``question_id, option, rank, count`` (the cleaning's ``rankings.csv``). Rows follow
    the form's option order; sort by ``mean_rank`` to read the order respondents gave.
    """
    settings = settings or IntervalSettings()
    if rankings is None:
        rankings = pd.DataFrame(columns=["question_id", "option", "rank", "count"])
    rows = []
    for question in questionnaire.of_type("ranking"):
        ranks = rankings[rankings["question_id"] == question.id]
        first = ranks[ranks["rank"].astype(int) == 1]
        base = int(first["count"].astype(int).sum())  # every answering respondent ranks exactly one option first
        for option in question.options:
            own = ranks[ranks["option"] == option]
            counts, positions = own["count"].astype(int).to_numpy(), own["rank"].astype(int).to_numpy()
            ranked = int(counts.sum())
            mean_rank = float((counts * positions).sum() / ranked) if ranked else float("nan")
            chosen_first = int(counts[positions == 1].sum())
            low, high = proportion_interval(chosen_first, base, settings) if base else (float("nan"), float("nan"))
            share = chosen_first / base if base else float("nan")
            rows.append((question.id, option, ranked, mean_rank, chosen_first, base, share, low, high))
    return pd.DataFrame(rows, columns=RANKING_COLUMNS)


def scale_groups(questionnaire: Questionnaire) -> dict[str, tuple[Question, ...]]:
    """Scale questions sharing a ``group`` (the statements of one Likert grid), by group in the form's
    order; groups of a single question are left out (its own chart shows it)."""
    groups: dict[str, list[Question]] = {}
    for question in questionnaire.of_type("scale"):
        if question.group:
            groups.setdefault(question.group, []).append(question)
    return {name: tuple(found) for name, found in groups.items() if len(found) > 1}


def selections_check(summary: pd.DataFrame, question: Question) -> dict:
    """What the legible counts of one question add up to, against what the question allows.

    Returns ``selections`` (sum of the known counts), ``missing`` (options whose count is lost),
    ``base``, ``limit`` (one answer per respondent for a single-choice or scale question and for a
    ranking's first choices, ``max_choices`` x base or options x base for a multi-select one) and
    ``ok``: False when the known counts alone exceed the limit, or when a one-answer question whose
    counts are all known does not add up to its base.
    """
    rows = summary[summary["question_id"] == question.id]
    known = rows["count"].dropna().astype(int)
    missing = rows.loc[rows["count"].isna(), "option"].tolist()
    base = int(rows["base"].iloc[0])
    selections = int(known.sum())
    if question.one_answer:
        limit = base
        ok = selections <= limit and (bool(missing) or selections == limit)
    else:
        per_respondent = question.max_choices or len(question.options)
        limit = per_respondent * base
        ok = selections <= limit
    return {
        "question_id": question.id,
        "selections": selections,
        "missing": missing,
        "base": base,
        "limit": limit,
        "ok": ok,
    }


def question_notes(
    summary: pd.DataFrame,
    question: Question,
    kind: str = "published",
    respondents: int | None = None,
    caveats: list[str] | None = None,
) -> list[tuple[str, str]]:
    """Notes that go under a question's table and chart, as ``(kind, text)`` with kind note|warning.

    They state the base, what shares of a multi-select question add up to, whether the selections fit
    what the question allows, which counts are lost or only stated in prose, and the dataset README's
    caveats for the question.
    """
    rows = summary[summary["question_id"] == question.id]
    check = selections_check(summary, question)
    base = check["base"]
    notes: list[tuple[str, str]] = []
    if kind == "export":
        of = f" of {respondents}" if respondents else ""
        notes.append(
            (
                "note",
                f"Base: {base} submissions that answered {question.id}{of}; shares are of "
                "submissions, not of selections.",
            )
        )
    else:
        notes.append(
            (
                "note",
                f"Base: the {base} respondents (submissions); shares are of respondents, not of "
                "selections. The report gives no per-question non-response.",
            )
        )
    known_shares = rows["share"].dropna()
    if question.type == "multi":
        allowed = f"up to {question.max_choices} options" if question.max_choices else "several options"
        notes.append(
            (
                "note",
                f"Multi-select ({allowed} per respondent): shares add to more than 100% when "
                f"respondents choose several; the legible shares here add to "
                f"{100 * known_shares.sum():.0f}%.",
            )
        )
        fits = "within" if check["ok"] else "MORE than"
        per = question.max_choices or len(question.options)
        lost = " (legible counts only)" if check["missing"] else ""
        notes.append(
            (
                "note" if check["ok"] else "warning",
                f"Selections: {check['selections']}{lost}, {fits} the {per} x {base} = {check['limit']} "
                "the question allows.",
            )
        )
    else:
        known = rows["count"].dropna().astype(int)
        total = " + ".join(str(c) for c in known)
        kind_name = {"ranking": "Ranking (first choices)", "scale": "Scale"}.get(question.type, "Single choice")
        if question.type == "ranking":
            notes.append(
                (
                    "note",
                    "Ranking: each respondent who answered put the options in order; the counts and shares here "
                    "are of respondents who ranked the option first. Every rank, the mean rank and the share "
                    "ranking each option at all are in the ranking table.",
                )
            )
        elif question.type == "scale":
            notes.append(
                (
                    "note",
                    f"Scale: ordered options, from {question.options[0]!r} to {question.options[-1]!r}; "
                    "one answer per respondent.",
                )
            )
        if check["missing"]:
            notes.append(("note", f"{kind_name}: the legible counts add to {check['selections']} of {base}."))
        elif check["selections"] == base:
            notes.append(("note", f"{kind_name}: one answer per respondent; {total} = {base}, as it should."))
        else:
            notes.append(
                (
                    "warning",
                    f"{kind_name}, yet the counts add to {total} = {check['selections']} "
                    f"answers from {base} respondents: the counts and the base disagree.",
                )
            )
    typed = write_in_note(summary, question)
    if typed:
        notes.append(("note", typed))
    if check["missing"]:
        notes.append(
            (
                "warning",
                f"{len(check['missing'])} count(s) not legible in the source, shown without a "
                f"bar or share and left out of every total: {'; '.join(check['missing'])}.",
            )
        )
    stated = rows.loc[rows["status"] == "stated", "option"].tolist()
    if stated:
        notes.append(
            (
                "note",
                f"{len(stated)} count(s) come from the report's prose, not from the chart: "
                f"{'; '.join(stated)}.",
            )
        )
    for caveat in caveats or []:
        notes.append(("warning", f"Source caveat (dataset README): {caveat}"))
    return notes


def write_in_note(summary: pd.DataFrame, question: Question) -> str:
    """How many of a question's Other answers were typed in, as a sentence ("" when not known).

    Both Microsoft Forms and Google Forms write the respondent's own text in place of "Other"; the
    loader counts it as Other and keeps the text as the free-text question ``<id>_other``.
    """
    if question.other is None or "write_ins" not in summary.columns:
        return ""
    row = summary[(summary["question_id"] == question.id) & (summary["option"] == question.other)]
    if row.empty or pd.isna(row["write_ins"].iloc[0]) or pd.isna(row["count"].iloc[0]) or not row["count"].iloc[0]:
        return ""
    typed, count = int(row["write_ins"].iloc[0]), int(row["count"].iloc[0])
    return (
        f"{question.other}: {typed} of its {count} answers were typed in by the respondent (write-ins, kept "
        f"with the free-text answers as {question.write_in_id})."
    )


def chart_caption(
    summary: pd.DataFrame, question: Question, kind: str = "published", caveats: list[str] | None = None
) -> list[str]:
    """The short lines printed under a question's chart: its base, how to read the shares, and what
    the lighter or absent bars mean; the full notes stay in the notebook's table."""
    check = selections_check(summary, question)
    rows = summary[summary["question_id"] == question.id]
    whom = (
        f"the {check['base']} submissions that answered {question.id}"
        if kind == "export"
        else f"the {check['base']} respondents"
    )
    lines = [f"Base: {whom}; percentages are of respondents, not of selections."]
    if question.type == "ranking":
        lines.append("Ranking: each bar is the share of respondents who ranked the option first.")
    typed = write_in_note(summary, question)
    if typed:
        lines.append(typed)
    if question.type == "multi":
        lines.append(
            "Multi-select: one respondent may choose several options, so the shares can add to more "
            "than 100%."
        )
    elif not check["ok"]:
        lines.append(
            f"Single choice, but the counts add to {check['selections']} answers from {check['base']} "
            "respondents."
        )
    if check["missing"]:
        lines.append(
            f"{len(check['missing'])} count(s) not legible in the source: no bar, no share, not in any total."
        )
    if (rows["status"] == "stated").any():
        lines.append("Lighter bar: count stated in the report's prose, not legible in the chart.")
    if caveats:
        lines.append("Caution: the dataset README flags this question (see the notes beside the table).")
    return lines


# ------------------------------------------------------------------------------------ pie charts


def pie_percentages(
    summary: pd.DataFrame, question_id: str, printed: dict[str, str] | None = None
) -> pd.DataFrame:
    """A single-choice question as a pie chart shows it: each count as a whole-number percentage of the
    answers counted, next to its share of the respondents, and the report's printed percentage if known.

    ``option, count, pie_percent, percent_of_respondents, printed``; a pie divides by the answers it
    counts, so when the answers do not add up to the respondents the two columns differ.
    """
    rows = summary[summary["question_id"] == question_id]
    known = rows.dropna(subset=["count"])
    answers = int(known["count"].sum())
    base = int(rows["base"].iloc[0])
    printed = printed or {}
    table = pd.DataFrame(
        {
            "option": rows["option"].tolist(),
            "count": [NOT_LEGIBLE if pd.isna(c) else str(int(c)) for c in rows["count"]],
            "pie_percent": [
                "" if pd.isna(c) or not answers else percent_text(int(c), answers, 0) for c in rows["count"]
            ],
            "percent_of_respondents": [
                "" if pd.isna(c) else percent_text(int(c), base, 1) for c in rows["count"]
            ],
            "printed": [printed.get(o, "") for o in rows["option"]],
        }
    )
    return table


def pie_base_note(summary: pd.DataFrame, question_id: str) -> str:
    """One sentence saying what base a pie of this question implies, compared with the respondents."""
    rows = summary[summary["question_id"] == question_id]
    known = rows.dropna(subset=["count"])
    answers = int(known["count"].sum())
    base = int(rows["base"].iloc[0])
    lost = int(rows["count"].isna().sum())
    if lost:
        return (
            f"{lost} count(s) are not legible, so the pie's base cannot be rebuilt: the legible counts "
            "add to "
            f"{answers} of {base} respondents."
        )
    if answers == base:
        return f"The pie's percentages are shares of {answers} answers, which equal the {base} respondents."
    return (
        f"The pie's percentages are shares of {answers} answers, not of the {base} respondents: "
        "a single-choice "
        f"question cannot have more answers than respondents, so a count or the base is wrong."
        if answers > base
        else f"The pie's percentages are shares of {answers} answers; {base - answers} of the {base} "
        "respondents gave "
        "no answer."
    )


def printed_pie_percentages(claims: pd.DataFrame | None, question_id: str) -> dict[str, str]:
    """The report's printed chart percentages of a question, from its claims: ``{option: '61%'}``.

    Taken from the ``share`` claims about one option whose location is a chart.
    """
    if claims is None or claims.empty:
        return {}
    chosen = claims[
        (claims["question_id"] == question_id)
        & (claims["check"] == "share")
        & claims["location"].str.contains("chart", case=False)
        & ~claims["options"].fillna("").str.contains("|", regex=False)
    ]
    return dict(zip(chosen["options"], chosen["stated_value"], strict=True))


def multi_select_note(questionnaire: Questionnaire) -> str:
    """What the shares of a multi-select question add up to, for a survey that has one; "" otherwise."""
    multi = [q.id for q in questionnaire.closed if q.type == "multi"]
    if not multi:
        return ""
    return (
        f"Multi-select questions ({', '.join(multi)}): shares are of the respondents who answered, and add to "
        "more than 100% when respondents choose several options; the selections are checked against what the "
        "question allows (max_choices x respondents)."
    )


def base_rule(kind: str) -> str:
    """One sentence on what every share of this dataset is a share of."""
    if kind == "export":
        return "Shares are of the submissions that answered each question (its base), never of selections."
    return (
        "Shares are of the respondents (submissions), never of selections: the report gives no per-question "
        "non-response, so the base of every closed question is all respondents."
    )


# ---------------------------------------------------------------------------------- respondents


def institution_profile(institutions: pd.DataFrame) -> pd.DataFrame:
    """Submissions by institution (cleaned table), most first, with ``multiple`` marking institutions
    that sent more than one submission."""
    frame = institutions[["institution", "canonical_name", "institution_type", "submissions"]].copy()
    frame["position"] = range(len(frame))
    frame = frame.sort_values(["submissions", "position"], ascending=[False, True], kind="stable")
    frame["multiple"] = frame["submissions"] > 1
    return frame.drop(columns="position").reset_index(drop=True)


def multiple_submitters_text(profile: pd.DataFrame, limit: int = 10) -> str:
    """Which institutions sent more than one submission, as a sentence: the profile's key caveat."""
    multiple = profile[profile["multiple"]]
    named = "; ".join(
        f"{name} ({int(n)})"
        for name, n in zip(multiple["canonical_name"][:limit], multiple["submissions"][:limit], strict=True)
    )
    more = f"; and {len(multiple) - limit} more (all in tables.xlsx)" if len(multiple) > limit else ""
    return f"{len(multiple)} institution(s) sent more than one submission: {named or 'none'}{more}."


def submissions_by_type(institutions: pd.DataFrame) -> pd.DataFrame:
    """``institution_type, institutions, submissions, share_of_submissions``, most submissions first."""
    total = int(institutions["submissions"].sum())
    grouped = (
        institutions.groupby("institution_type", sort=True)
        .agg(institutions=("institution", "size"), submissions=("submissions", "sum"))
        .reset_index()
    )
    grouped["share_of_submissions"] = grouped["submissions"] / total if total else float("nan")
    return grouped.sort_values(["submissions", "institution_type"], ascending=[False, True]).reset_index(
        drop=True
    )


# -------------------------------------------------------------------------------- README caveats


def readme_caveats(dataset_path: str | Path) -> dict[str, list[str]]:
    """Caveats the dataset's README lists per question: ``{'Q5': ['Q5 axis: the chart's axis ...'], ...}``.

    Reads the bullets of its "Known gaps and doubts" section that open with a bold label naming
    questions (``- **Q5 axis:** ...``), so the notebook shows the transcriber's own warnings next to the
    numbers they concern. A dataset without a README, or without that section, has none.
    """
    path = Path(dataset_path) / "README.md"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    section = re.search(r"^##+\s*Known gaps[^\n]*\n(.*?)(?=^##\s|\Z)", text, flags=re.M | re.S)
    if not section:
        return {}
    caveats: dict[str, list[str]] = {}
    for bullet in re.split(r"^- ", section.group(1), flags=re.M)[1:]:
        bullet = re.sub(r"\s+", " ", bullet).strip()
        label = re.match(r"\*\*(.+?)\*\*", bullet)
        if not label:
            continue
        plain = re.sub(r"\*\*|`", "", bullet)
        for question_id in dict.fromkeys(re.findall(r"\bQ\d+\b", label.group(1))):
            caveats.setdefault(question_id, []).append(plain)
    return caveats
