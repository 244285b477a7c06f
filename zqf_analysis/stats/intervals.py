"""Confidence intervals of a proportion: checked settings, statsmodels' methods, and Wilson's in
closed form, without pandas (the report index needs intervals and nothing else of ``describe``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from zqf_analysis.errors import DataError

#: The interval methods of ``statsmodels.stats.proportion.proportion_confint``.
CI_METHODS = ("wilson", "beta", "jeffreys", "agresti_coull", "normal", "binom_test")
#: Each method's name as a reader knows it (statsmodels' ``proportion_confint`` names them in code).
CI_METHOD_NAMES = {
    "wilson": "Wilson score",
    "beta": "Clopper-Pearson",
    "jeffreys": "Jeffreys",
    "agresti_coull": "Agresti-Coull",
    "normal": "normal-approximation (Wald)",
    "binom_test": "binomial-test",
}


@dataclass(frozen=True)
class IntervalSettings:
    """Checked interval parameters: a confidence level in (0, 1) and a statsmodels method name."""

    confidence: float = 0.95
    ci_method: str = "wilson"

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    @property
    def label(self) -> str:
        """``95% Wilson score interval``: the level and the method by its usual name."""
        return f"{self.confidence:.0%} {CI_METHOD_NAMES[self.ci_method]} interval"


def interval_settings(confidence: float | str = 0.95, ci_method: str = "wilson") -> IntervalSettings:
    """Validate notebook parameters once, at the edge; raises :class:`DataError` naming the parameter.

    >>> interval_settings(0.9, "beta")
    IntervalSettings(confidence=0.9, ci_method='beta')
    """
    expected = "expected a number between 0 and 1 (exclusive), such as 0.95"
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise DataError(f"parameter confidence={confidence!r}: {expected}") from None
    if isinstance(confidence, bool) or not 0.0 < level < 1.0:
        raise DataError(f"parameter confidence={confidence!r}: {expected}")
    method = str(ci_method).strip()
    if method not in CI_METHODS:
        raise DataError(
            f"parameter ci_method={ci_method!r}: expected a statsmodels proportion_confint method, one of "
            f"{', '.join(CI_METHODS)}"
        )
    return IntervalSettings(confidence=level, ci_method=method)


def proportion_interval(
    count: int, base: int, settings: IntervalSettings | None = None
) -> tuple[float, float]:
    """The (low, high) confidence interval of ``count`` out of ``base``, as proportions.

    Every method is statsmodels' ``proportion_confint``; the default, Wilson, is computed here with the
    same formula (equal to statsmodels to 1e-12, tested), so that pages which only need a Wilson
    interval, such as the report index, do not import statsmodels and SciPy (about a second).

    >>> low, high = proportion_interval(20, 23)
    >>> round(low, 3), round(high, 3)
    (0.679, 0.955)
    """
    settings = settings or IntervalSettings()
    if settings.ci_method == "wilson":
        return wilson_interval(int(count), int(base), settings.alpha)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(int(count), int(base), alpha=settings.alpha, method=settings.ci_method)
    return float(low), float(high)


def wilson_interval(count: int, base: int, alpha: float = 0.05) -> tuple[float, float]:
    """The Wilson score interval of ``count`` out of ``base`` at level ``1 - alpha``, as statsmodels
    computes it (``proportion_confint(..., method="wilson")``).

    >>> [round(x, 4) for x in wilson_interval(3, 23)]
    [0.0454, 0.3213]
    """
    if base <= 0:
        raise DataError(f"an interval needs a positive base, got {base}")
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    share, z2 = count / base, z * z
    denominator = 1.0 + z2 / base
    centre = (share + z2 / (2.0 * base)) / denominator
    half = z * math.sqrt(share * (1.0 - share) / base + z2 / (4.0 * base**2)) / denominator
    return float(centre - half), float(centre + half)


#: An interval wider than this (in percentage points) is "wide": the pages then say how wide.
WIDE_INTERVAL_POINTS = 20.0


def widest_interval(rows) -> dict | None:
    """The widest interval among ``rows`` (mappings or objects with ``question_id``, ``option``,
    ``base``, ``ci_low``, ``ci_high``; an empty or unknown bound is skipped): ``question_id``, ``option``,
    ``base`` and ``points`` (its width in percentage points), or None when no interval is known."""
    best = None
    for row in rows:
        get = row.get if hasattr(row, "get") else lambda k, r=row: getattr(r, k, None)
        try:
            low, high, base = float(get("ci_low")), float(get("ci_high")), int(float(get("base")))
        except (TypeError, ValueError):
            continue
        if low != low or high != high:
            continue
        points = 100.0 * (high - low)
        if best is None or points > best["points"]:
            best = {"question_id": str(get("question_id")), "option": str(get("option")), "base": base,
                    "points": points}
    return best


def wide_intervals_sentence(rows, threshold: float = WIDE_INTERVAL_POINTS) -> str:
    """A sentence saying how wide the intervals are, when the widest is wider than ``threshold``
    percentage points; "" when they are all narrower (a large survey needs no warning).

    >>> wide_intervals_sentence([{"question_id": "Q3", "option": "A", "base": 23, "ci_low": 0.4, "ci_high": 0.78}])
    'With so few respondents the intervals are wide: up to 38 percentage points (Q3, base 23).'
    >>> wide_intervals_sentence([{"question_id": "Q3", "option": "A", "base": 1260, "ci_low": 0.4, "ci_high": 0.45}])
    ''
    """
    widest = widest_interval(rows)
    if widest is None or widest["points"] <= threshold:
        return ""
    return (
        f"With so few respondents the intervals are wide: up to {widest['points']:.0f} percentage points "
        f"({widest['question_id']}, base {widest['base']})."
    )
