"""The statistics the measuring loop itself needs, in plain Python.

``--runs auto`` decides after every round whether a pair's mean is known well enough, so the
confidence interval must be computable inside the harness process. scipy (and numpy) would sit in
that process for the whole suite, inflating every forked child and slowing each fork; the Student t
quantile is therefore computed here from the regularised incomplete beta function (Numerical
Recipes' continued fraction, inverted by bisection). ``wasmbench.reports`` imports these, never the
other way round, and its tests hold them to scipy's values.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

CONFIDENCE = 0.95
# Fewer valid runs than this define no trustworthy interval: reports warn, --runs auto goes on.
MIN_RUNS = 5


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


def ci_half_width(values: Sequence[float], confidence: float = CONFIDENCE) -> float:
    """Half-width of the Student-t confidence interval of the mean (NaN below two values)."""
    if len(values) < 2:
        return math.nan
    sem = statistics.stdev(values) / math.sqrt(len(values))
    return t_quantile((1 + confidence) / 2, len(values) - 1) * sem


def geometric_mean_interval(
    ratios: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Geometric mean of positive ``ratios`` and its confidence interval, computed on the log scale
    (so the interval of a ratio is never negative and is symmetric in A/B against B/A)."""
    logs = [math.log(value) for value in ratios]
    centre = statistics.fmean(logs)
    half = ci_half_width(logs, confidence)
    return math.exp(centre), math.exp(centre - half), math.exp(centre + half)


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
