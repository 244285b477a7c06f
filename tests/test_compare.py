"""Comparing two surveys: Newcombe's interval against his published example and statsmodels, matching by
id and by the declared mapping, lost counts, and the two synthetic waves with differences built in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, RAW
from scipy.stats import fisher_exact

from zqf_analysis.data.load import load_dataset
from zqf_analysis.stats.compare import (
    COMPARE_COLUMNS,
    QuestionMatch,
    compare_counts,
    compare_datasets,
    difference_interval,
    match_questions,
)

WAVE1, WAVE2 = FIXTURES / "synthetic-export", FIXTURES / "synthetic-export-wave2"


def test_newcombe_interval_is_his_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, method 10: 56/70 - 48/80 = 0.2000, 95% CI 0.0524 to 0.3339
    low, high = difference_interval(56, 70, 48, 80, 0.05)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_a_lost_count_leaves_the_difference_unknown():
    counts = pd.DataFrame(
        {"question_id": ["Q", "Q"], "option": ["a", "b"], "count": pd.array([3, pd.NA], "Int64"), "base": [10, 10]}
    )
    other = pd.DataFrame(
        {"question_id": ["Q", "Q"], "option": ["a", "b"], "count": pd.array([1, 4], "Int64"), "base": [12, 12]}
    )
    table = compare_counts(counts, other, [QuestionMatch("Q", "Q", (("a", "a"), ("b", "b")))])
    assert list(table.columns) == COMPARE_COLUMNS
    known, lost = table.iloc[0], table.iloc[1]
    assert known["p_value"] == pytest.approx(fisher_exact([[3, 7], [1, 11]])[1])
    assert known["difference"] == pytest.approx(3 / 10 - 1 / 12)
    assert np.isnan(lost["difference"]) and np.isnan(lost["p_value"]) and "unknown" in lost["note"]
    assert pd.isna(lost["count"]) and lost["other_count"] == 4


def test_published_counts_compare_with_an_export():
    table, unmatched = compare_datasets(load_dataset(RAW), load_dataset(WAVE1))
    assert unmatched.empty and table["question_id"].nunique() == 10 and len(table) == 88  # every closed question
    lost = table[table["count"].isna()]
    assert len(lost) == 25 and lost["difference"].isna().all()  # the 25 counts lost in the OCR


def test_two_waves_find_exactly_the_differences_built_in():
    wave2, wave1 = load_dataset(WAVE2), load_dataset(WAVE1)
    table, unmatched = compare_datasets(wave2, wave1)
    surviving = table[table["p_adjusted"] < 0.05].set_index(["question_id", "option"])
    assert set(surviving.index) == {
        ("Q3", "Expansion will grow especially in TVET"),
        ("Q7", "Self-paced learning"),
        ("Q11", "Agree"),
    }
    assert surviving.loc[("Q11", "Agree"), "other_option"] == "I agree"  # matched by the declared mapping
    assert tuple(surviving.loc[("Q3", "Expansion will grow especially in TVET"), ["count", "other_count"]]) == (0, 17)
    assert surviving.loc[("Q7", "Self-paced learning"), "diff_low"] > 0.5
    assert "Q12b" in set(table["question_id"])  # Q12b matched with Q12 by the mapping
    assert set(zip(unmatched["question_id"], unmatched["option"], strict=True)) == {
        ("Q9", "Tax incentives for providers"),
        ("Q14", ""),
    }


def test_unmatched_questions_are_listed_never_guessed():
    wave2 = load_dataset(WAVE2).questionnaire
    wave1 = load_dataset(WAVE1).questionnaire
    matches, unmatched = match_questions(wave1, wave2, "first", "second")  # no mapping from this side
    assert "Q12" not in {m.question_id for m in matches}
    reasons = dict(zip(unmatched["question_id"] + "/" + unmatched["option"], unmatched["reason"], strict=True))
    assert "no closed question with this id" in reasons["Q12/"] and "no matching question" in reasons["Q12b/"]
    assert "no option 'I agree'" in reasons["Q11/I agree"]
