"""Confidence intervals of a mean and of a paired ratio: the one place wasmbench computes them.

``--runs auto`` (``stopping``), the report and ``compare`` all call ``mean_interval`` and
``paired_ratio_interval``. The only distribution they need is Student's t quantile, which they take
as an argument with scipy's signature ``(probability, df)``: the reports pass ``scipy.stats.t.ppf``
(``reports.statistics.T_QUANTILE``); the measuring process, which imports neither scipy nor numpy
(it runs beside every measured program for the whole suite; a test holds it to that), uses the
default ``t_quantile``, a small stand-in computed here from the regularised incomplete beta
function (Numerical Recipes' continued fraction, inverted by bisection) and tested against scipy.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
# Fewer valid runs than this define no trustworthy interval: reports warn, --runs auto goes on.
MIN_RUNS = 5

# (probability, degrees of freedom) -> the quantile of Student's t: ``t_quantile`` or scipy.stats.t.ppf.
TQuantile = Callable[[float, float], float]


@dataclass(frozen=True)
class Interval:
    """An estimate from ``n`` values and its confidence interval [``low``, ``high``]; the bounds are
    NaN below two values, which define no spread (the estimate too when there is no value)."""

    estimate: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width: its ± for a mean."""
        return (self.high - self.low) / 2


def t_quantile(probability: float, df: float) -> float:
    """The ``probability`` quantile of Student's t distribution with ``df`` degrees of freedom."""
    if not 0 < probability < 1 or df <= 0:
        raise ValueError(f"t quantile needs 0 < p < 1 and df > 0, not p={probability}, df={df}")
    if probability < 0.5:
        return -t_quantile(1 - probability, df)
    low, high = 0.0, 1.0
    while _t_cdf(high, df) < probability:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if _t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
        if high - low <= 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


def mean_interval(
    values: Sequence[float], confidence: float = CONFIDENCE, *, quantile: TQuantile = t_quantile
) -> Interval:
    """The mean of ``values`` and its Student-t confidence interval."""
    n = len(values)
    mean = statistics.fmean(values) if n else math.nan
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = float(quantile((1 + confidence) / 2, n - 1)) * statistics.stdev(values) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_ratio_interval(
    ratios: Sequence[float], confidence: float = CONFIDENCE, *, quantile: TQuantile = t_quantile
) -> Interval:
    """The geometric mean of per-round ratios (a mode's time ÷ the baseline's in the same round) and
    its confidence interval, both computed on the log scale, where a ratio is a difference: the
    interval never reaches below zero, and B/A's is the reciprocal of A/B's."""
    if any(not value > 0 for value in ratios):
        raise ValueError(f"ratios of times are positive, not {min(ratios)}")
    logs = mean_interval([math.log(value) for value in ratios], confidence, quantile=quantile)
    return Interval(math.exp(logs.estimate), math.exp(logs.low), math.exp(logs.high), logs.n)


def _t_cdf(t: float, df: float) -> float:
    """P(T <= t) for t >= 0."""
    x = df / (df + t * t)
    return 1 - 0.5 * _regularised_beta(x, df / 2, 0.5)


def _regularised_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1 - math.exp(log_front) * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, epsilon = 1e-300, 1e-15
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < epsilon:
            break
    return result
