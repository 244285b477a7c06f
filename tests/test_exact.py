"""Exact and permutation tests against scipy, brute force and a published value; adjustment against
statsmodels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import gammaln
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests

from zqf_analysis.stats.exact import (
    FFH_EXACT,
    FISHER,
    NO_TEST_GROUPS,
    NO_TEST_SAME,
    adjust_p_values,
    ffh_exact,
    ffh_monte_carlo,
    random_tables,
    table_test,
)

HAND_BUILT = [[[3, 1], [1, 3]], [[0, 5], [4, 0]], [[10, 2], [3, 15]], [[1, 0], [0, 1]], [[7, 7], [7, 7]]]


@pytest.mark.parametrize("table", HAND_BUILT)
def test_two_by_two_is_scipys_fisher_exact(table):
    result = table_test(np.array(table))
    assert result.test == FISHER
    assert result.p_value == pytest.approx(fisher_exact(table)[1], rel=1e-12)
    # the r x c enumeration gives Fisher's two-sided p-value on a 2x2 too
    assert ffh_exact(np.array(table)) == pytest.approx(fisher_exact(table)[1], rel=1e-9)


def test_three_by_three_exact_equals_every_permutation_of_eight_answers():
    groups = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    answers = np.array([0, 1, 1, 0, 2, 2, 1, 0])

    def table(g, a):
        counts = np.zeros((3, 3), dtype=int)
        np.add.at(counts, (g, a), 1)
        return counts

    def score(t):
        return -gammaln(t + 1).sum()

    observed = score(table(groups, answers))
    shuffles = [score(table(groups, answers[list(p)])) for p in itertools.permutations(range(8))]
    brute = np.mean(np.array(shuffles) <= observed + 1e-9)
    result = table_test(table(groups, answers))
    assert result.test == FFH_EXACT
    assert result.p_value == pytest.approx(brute, rel=1e-9)


def test_monte_carlo_matches_rs_fisher_test_of_the_job_satisfaction_table():
    # R: fisher.test(Job) on the 4 x 4 job satisfaction table of ?fisher.test gives p = 0.7827
    job = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T
    assert ffh_exact(job, limit=10_000) is None  # too many tables to enumerate under this limit
    assert ffh_monte_carlo(job, 20_000, np.random.default_rng(1)) == pytest.approx(0.7827, abs=0.01)


def test_monte_carlo_is_seeded_and_named():
    big = np.array([[200_000, 50_000], [190_000, 60_000], [150_000, 50_000]])
    first, again = table_test(big, key="Q3|Badges"), table_test(big, key="Q3|Badges")
    assert first == again and "Monte Carlo" in first.test and "seed 0" in first.test
    assert first.p_value == pytest.approx(1 / 10_000)  # no random table is as extreme


def test_random_tables_keep_the_margins():
    rows, cols = np.array([5, 0, 7, 3]), np.array([4, 6, 5])
    tables = random_tables(rows, cols, 500, np.random.default_rng(0))
    assert (tables.sum(axis=2) == rows).all() and (tables.sum(axis=1) == cols).all() and (tables >= 0).all()


def test_zero_rows_one_group_and_all_same_answers_do_not_crash():
    assert table_test(np.array([[3, 1], [0, 0], [1, 3]])).test == FISHER  # an empty group is dropped
    assert table_test(np.array([[3, 1], [0, 0]])).test == NO_TEST_GROUPS
    assert table_test(np.array([[4, 0], [2, 0], [1, 0]])).test == NO_TEST_SAME
    assert np.isnan(table_test(np.array([[1, 0]])).p_value)
    assert table_test(np.zeros((3, 3), dtype=int)).test == NO_TEST_GROUPS


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjustment_is_statsmodels_and_leaves_untested_out(method):
    p = [0.01, np.nan, 0.04, 0.03, 0.5]
    tested = [0.01, 0.04, 0.03, 0.5]
    expected = multipletests(tested, method=method)[1]
    adjusted = adjust_p_values(p, method)
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2, 3, 4]] == pytest.approx(expected)
    assert adjust_p_values(p, None)[0] == 0.01
