"""Intervals of a proportion: Wilson in closed form equals statsmodels; settings checked at the edge."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from zqf_analysis.errors import DataError
from zqf_analysis.stats import intervals


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.5])
def test_the_wilson_formula_equals_statsmodels_for_every_count_up_to_60(alpha):
    for base in range(1, 61):
        for count in range(base + 1):
            ours = intervals.wilson_interval(count, base, alpha)
            theirs = proportion_confint(count, base, alpha=alpha, method="wilson")
            assert ours == pytest.approx(theirs, abs=1e-12), (count, base, alpha)


def test_a_wilson_interval_by_hand():
    # 3 of 23 at 95%: z = 1.959964, centre (3/23 + z^2/46) / (1 + z^2/23) = 0.18333,
    # half-width z * sqrt(3/23 * 20/23 / 23 + z^2 / (4 * 23^2)) / (1 + z^2/23) = 0.13795
    low, high = intervals.wilson_interval(3, 23)
    assert round(low, 4) == 0.0454 and round(high, 4) == 0.3213
    with pytest.raises(DataError, match="positive base"):
        intervals.wilson_interval(0, 0)


def test_other_methods_come_from_statsmodels():
    settings = intervals.interval_settings(0.9, "jeffreys")
    assert intervals.proportion_interval(3, 23, settings) == pytest.approx(
        proportion_confint(3, 23, alpha=0.1, method="jeffreys"), abs=1e-12
    )


def test_the_interval_module_does_not_need_pandas():
    import subprocess
    import sys

    code = (
        "import sys, zqf_analysis.stats.intervals as i; i.proportion_interval(20, 23); "
        "print('pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_small_sample_sentence_says_how_wide_and_only_when_wide():
    from zqf_analysis.stats.intervals import wide_intervals_sentence

    low, high = intervals.wilson_interval(14, 23)  # 0.408 to 0.778: 37 points
    rows = [{"question_id": "Q11", "option": "I agree but...", "base": 23, "ci_low": low, "ci_high": high},
            {"question_id": "Q3", "option": "A", "base": 23, "ci_low": "", "ci_high": ""}]  # a lost count
    assert wide_intervals_sentence(rows) == (
        "With so few respondents the intervals are wide: up to 37 percentage points (Q11, base 23)."
    )
    low, high = intervals.wilson_interval(630, 1260)  # 0.472 to 0.528: under 6 points
    assert wide_intervals_sentence([{"question_id": "Q2", "option": "A", "base": 1260, "ci_low": low,
                                     "ci_high": high}]) == ""
    assert wide_intervals_sentence([]) == ""


def test_every_interval_method_has_the_name_a_reader_knows():
    from zqf_analysis.stats.intervals import CI_METHOD_NAMES, CI_METHODS, interval_settings

    assert set(CI_METHOD_NAMES) == set(CI_METHODS)
    assert interval_settings(0.9, "beta").label == "90% Clopper-Pearson interval"
    assert interval_settings().label == "95% Wilson score interval"
