"""Statistics of repeated runs: summaries, ratios with propagated uncertainty, two-sample verdicts.

Everything here is computed from the raw valid runs, never from stored aggregates (as pyperf and
pytest-benchmark do), with scipy doing the distribution work. The intervals of a mean and of a
paired ratio are ``measuring.stats``' (the ones ``--runs auto`` uses), given scipy's t quantile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from pandas.api.typing import SeriesGroupBy
from scipy import stats

from wasmbench.measuring.stats import MIN_RUNS, mean_interval

# Student's t quantile for ``measuring.stats``' intervals, wherever scipy may be imported.
T_QUANTILE = stats.t.ppf

# Iglewicz & Hoaglin: |modified z| > 3.5 marks an outlier; 0.6745 makes the MAD comparable to σ.
OUTLIER_Z = 3.5
MAD_TO_Z = 0.6745
# A cell is flagged unstable beyond these (the thresholds).
UNSTABLE_COV = 0.05
SHORTEST_RELIABLE_S = 1e-3


def summarise(times: SeriesGroupBy) -> pd.DataFrame:
    """Per group of run times in seconds (NaN: a run that is not valid, left out): ``n`` valid runs,
    ``mean``, ``stddev``, ``median``, ``minimum``, ``maximum``, ``ci95`` (half-width of the 95 %
    confidence interval of the mean), ``cov`` (stddev / mean), ``outliers`` and the ``warnings`` that
    say why a reader should distrust it; NaN where too few runs define a value."""
    summary = times.agg(
        n="count",
        mean="mean",
        stddev="std",
        median="median",
        minimum="min",
        maximum="max",
        ci95=lambda cell: mean_interval(cell.dropna().tolist(), quantile=T_QUANTILE).half_width,
    )
    summary["cov"] = (summary["stddev"] / summary["mean"]).where(summary["mean"] != 0)
    summary["outliers"] = times.agg(lambda cell: int(outlier_mask(cell.dropna().to_numpy()).sum()))
    summary["warnings"] = [
        _warnings(*cell) for cell in summary[["n", "cov", "minimum", "outliers"]].itertuples(index=False)
    ]
    return summary


def outlier_mask(values: np.ndarray) -> np.ndarray:
    """Runs whose modified z-score (on the median absolute deviation) exceeds 3.5: flagged, kept."""
    mad = stats.median_abs_deviation(values) if len(values) >= 3 else 0
    if mad == 0:
        return np.zeros(len(values), dtype=bool)
    return np.abs(MAD_TO_Z * (values - np.median(values)) / mad) > OUTLIER_Z


def _warnings(n: int, cov: float, minimum: float, outliers: int) -> list[str]:
    if n == 0:
        return ["no valid run"]
    warnings = []
    if n < MIN_RUNS:
        warnings.append(f"n = {n} < {MIN_RUNS}")
    if cov > UNSTABLE_COV:
        warnings.append(f"CoV {cov:.1%} > {UNSTABLE_COV:.0%}")
    if minimum < SHORTEST_RELIABLE_S:
        warnings.append(f"a run took {minimum * 1e3:.2f} ms (< 1 ms)")
    if outliers:
        warnings.append(f"{outliers} outlier run{'s' if outliers > 1 else ''} (kept)")
    return warnings


def ratio(mean_a, stddev_a, mean_b, stddev_b):
    """μa/μb and its uncertainty ratio·√((σa/μa)² + (σb/μb)²), hyperfine's relative speed.

    Works on scalars and on whole columns alike; an undefined σ (a single run) counts as 0.
    """
    value = mean_a / mean_b
    relative = np.hypot(np.nan_to_num(stddev_a / mean_a), np.nan_to_num(stddev_b / mean_b))
    return value, value * relative


def geometric_mean(values: list[float]) -> float:
    return float(stats.gmean(values)) if values else math.nan


class Verdict(StrEnum):
    FASTER = "faster"
    SLOWER = "slower"
    SAME = "no significant difference"
    TOO_FEW = "too few runs"


class SignificanceTest(StrEnum):
    WELCH = "welch"
    MANN_WHITNEY = "mannwhitney"


@dataclass(frozen=True)
class Comparison:
    """B against A: the ratio of their geometric means with its confidence interval (both
    positive: a ratio of times), the test's p-value and verdict."""

    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    verdict: Verdict


def compare(
    a: np.ndarray | list[float],
    b: np.ndarray | list[float],
    alpha: float = 0.01,
    test: SignificanceTest = SignificanceTest.WELCH,
) -> Comparison:
    """Is B faster or slower than A at significance ``alpha``?

    Times are compared on the log scale, where a ratio is a difference: the ratio is
    exp(mean log B - mean log A), its interval exp(difference ± t·se) from Welch's t on the log
    times at confidence 1 - alpha. An interval on the raw scale (the delta method) goes below
    zero for noisy runs, and no time is a negative multiple of another. With the Welch test the
    verdict and the interval agree: significant exactly when the interval leaves out 1.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        value = b.mean() / a.mean() if len(a) and len(b) else math.nan
        return Comparison(value, math.nan, math.nan, math.nan, Verdict.TOO_FEW)
    log_a, log_b = np.log(a), np.log(b)
    welch = stats.ttest_ind(log_b, log_a, equal_var=False)
    if test is SignificanceTest.WELCH:
        p_value = float(welch.pvalue)
    else:
        p_value = float(stats.mannwhitneyu(b, a, alternative="two-sided").pvalue)
    difference = float(log_b.mean() - log_a.mean())
    low, high = welch.confidence_interval(1 - alpha)
    value = math.exp(difference)
    if math.isnan(p_value) or p_value >= alpha:
        verdict = Verdict.SAME
    else:
        verdict = Verdict.SLOWER if value > 1 else Verdict.FASTER
    return Comparison(value, math.exp(low), math.exp(high), p_value, verdict)
