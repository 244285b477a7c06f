"""Two surveys compared question by question: this wave against the last, or one country against another.

Questions are matched by id, or by the mapping this dataset's questionnaire declares under
``comparison:`` (``questions: {this id: other id}``, ``options: {this id: {this option: other
option}}``); options by their label or that mapping. Whatever does not match is listed, never guessed.
For each matched option: both shares with their intervals, the difference (this minus other) with
Newcombe's hybrid Wilson score interval (``statsmodels.stats.proportion.confint_proportions_2indep``,
method ``newcomb``) and Fisher's exact test of the 2x2 table, adjusted across all the comparisons.
It works from counts alone, so a published-counts dataset can be compared too: a count the source
lost leaves its share and the difference unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from zqf_analysis.data.questionnaire import Questionnaire
from zqf_analysis.errors import DataError
from zqf_analysis.stats.exact import FISHER, adjust_p_values
from zqf_analysis.stats.intervals import IntervalSettings, proportion_interval
from zqf_analysis.stats.params import ADJUST_METHODS

COMPARE_COLUMNS = [
    "question_id",
    "other_question_id",
    "option",
    "other_option",
    "count",
    "base",
    "share",
    "ci_low",
    "ci_high",
    "other_count",
    "other_base",
    "other_share",
    "other_ci_low",
    "other_ci_high",
    "difference",
    "diff_low",
    "diff_high",
    "p_value",
    "p_adjusted",
    "test",
    "note",
]
UNMATCHED_COLUMNS = ["dataset", "question_id", "option", "reason"]
NEWCOMBE = "Newcombe hybrid score (Wilson) interval"


@dataclass(frozen=True)
class QuestionMatch:
    """A question of this dataset and the other's, with their matched options in this form's order."""

    question_id: str
    other_id: str
    options: tuple[tuple[str, str], ...]


def _declared(questionnaire: Questionnaire) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    comparison = questionnaire.comparison or {}
    questions = comparison.get("questions") or {}
    options = comparison.get("options") or {}
    if not isinstance(questions, dict) or not isinstance(options, dict):
        raise DataError("comparison: 'questions' and 'options' must be mappings", file=questionnaire.path)
    questions = {str(k): str(v) for k, v in questions.items()}
    for qid in [*questions, *options]:
        if qid not in questionnaire:
            raise DataError(f"comparison: {qid!r} is not a question of this questionnaire", file=questionnaire.path)
    parsed = {}
    for qid, mapping in options.items():
        if not isinstance(mapping, dict):
            raise DataError(
                f"comparison: options of {qid} must map this option to the other's", file=questionnaire.path
            )
        unknown = [o for o in mapping if str(o) not in questionnaire[str(qid)].options]
        if unknown:
            raise DataError(f"comparison: {unknown[0]!r} is not an option of {qid}", file=questionnaire.path)
        parsed[str(qid)] = {str(k): str(v) for k, v in mapping.items()}
    return questions, parsed


def match_questions(this: Questionnaire, other: Questionnaire, this_name: str = "this", other_name: str = "other"):
    """The matched closed questions and a table of everything unmatched (``dataset, question_id,
    option, reason``), from both sides."""
    question_map, option_map = _declared(this)
    other_closed = {q.id: q for q in other.closed}
    matches, unmatched, used = [], [], set()
    for question in this.closed:
        other_id = question_map.get(question.id, question.id)
        if other_id not in other_closed:
            why = "declared match" if question.id in question_map else "no closed question with this id"
            unmatched.append((this_name, question.id, "", f"{why} in {other_name} ({other_id})"))
            continue
        other_question = other_closed[other_id]
        if other_question.type != question.type:
            unmatched.append(
                (this_name, question.id, "", f"{question.type} here, {other_question.type} in {other_name}")
            )
            continue
        used.add(other_id)
        mapping = option_map.get(question.id, {})
        pairs = []
        for option in question.options:
            target = mapping.get(option, option)
            if target in other_question.options:
                pairs.append((option, target))
            else:
                unmatched.append((this_name, question.id, option, f"no option {target!r} in {other_name} {other_id}"))
        taken = {t for _, t in pairs}
        for option in other_question.options:
            if option not in taken:
                unmatched.append((other_name, other_id, option, f"no matching option in {this_name} {question.id}"))
        matches.append(QuestionMatch(question.id, other_id, tuple(pairs)))
    for question in other.closed:
        if question.id not in used:
            unmatched.append((other_name, question.id, "", f"no matching question in {this_name}"))
    return matches, pd.DataFrame(unmatched, columns=UNMATCHED_COLUMNS)


def _side(count, base: int, settings: IntervalSettings) -> tuple:
    if pd.isna(count) or base < 1:
        return (pd.NA, base, np.nan, np.nan, np.nan)
    low, high = proportion_interval(int(count), int(base), settings)
    return (int(count), int(base), int(count) / int(base), low, high)


def difference_interval(count: int, base: int, other_count: int, other_base: int, alpha: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``count/base - other_count/other_base`` (statsmodels)."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(
        count, base, other_count, other_base, method="newcomb", compare="diff", alpha=alpha
    )
    return float(low), float(high)


def compare_counts(
    counts: pd.DataFrame,
    other_counts: pd.DataFrame,
    matches: list[QuestionMatch],
    settings: IntervalSettings | None = None,
    adjust: str = "holm",
) -> pd.DataFrame:
    """One row per matched option (columns :data:`COMPARE_COLUMNS`) from two closed-count tables
    (``question_id, option, count, base``, as the cleaning stage writes them)."""
    from scipy.stats import fisher_exact

    settings = settings or IntervalSettings()
    mine = {(r.question_id, r.option): r for r in counts.itertuples(index=False)}
    theirs = {(r.question_id, r.option): r for r in other_counts.itertuples(index=False)}
    rows = []
    for match in matches:
        for option, other_option in match.options:
            a, b = mine[(match.question_id, option)], theirs[(match.other_id, other_option)]
            left, right = _side(a.count, int(a.base), settings), _side(b.count, int(b.base), settings)
            difference = low = high = p = np.nan
            test, note = FISHER, ""
            if pd.isna(left[0]) or pd.isna(right[0]):
                test = "no test: a count is unknown"
                note = "a count is not legible in the source: the difference is unknown"
            else:
                c1, n1, c2, n2 = left[0], left[1], right[0], right[1]
                difference = c1 / n1 - c2 / n2
                low, high = difference_interval(c1, n1, c2, n2, settings.alpha)
                p = float(fisher_exact([[c1, n1 - c1], [c2, n2 - c2]])[1])
            rows.append(
                (
                    match.question_id,
                    match.other_id,
                    option,
                    other_option,
                    *left,
                    *right[:1],
                    *right[1:],
                    difference,
                    low,
                    high,
                    p,
                    test,
                    note,
                )
            )
    columns = [c for c in COMPARE_COLUMNS if c != "p_adjusted"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(columns.index("test"), "p_adjusted", adjust_p_values(frame["p_value"], ADJUST_METHODS[adjust]))
    for column in ("count", "other_count"):
        frame[column] = frame[column].astype("Int64")
    return frame


def compare_datasets(dataset, other, settings: IntervalSettings | None = None, adjust: str = "holm"):
    """``(comparison, unmatched)`` of two loaded datasets (published counts or exports), from their
    closed counts; ``dataset``'s questionnaire holds the declared mapping."""
    from zqf_analysis.data.clean import closed_counts

    matches, unmatched = match_questions(dataset.questionnaire, other.questionnaire, dataset.name, other.name)
    if dataset.name == other.name and dataset.path.resolve() == other.path.resolve():
        raise DataError("parameter compare: the dataset cannot be compared with itself", file=other.path)
    table = compare_counts(closed_counts(dataset), closed_counts(other), matches, settings, adjust)
    return table, unmatched
