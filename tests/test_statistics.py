"""Summaries, warnings, outliers, ratio uncertainty, two-sample verdicts, and the confidence intervals
of a mean and of a paired ratio: the measuring process's t quantile held to scipy's."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wasmbench.measuring.stats import mean_interval, paired_ratio_interval, t_quantile
from wasmbench.reports.statistics import (
    T_QUANTILE,
    SignificanceTest,
    Verdict,
    compare,
    ratio,
    summarise,
)

STEADY = [1.00, 1.01, 0.99, 1.00, 1.02, 0.98, 1.00, 1.01]


def summary_of(times: list[float]) -> SimpleNamespace:
    """``summarise`` of one cell's run times (NaN: a run that is not valid), its columns as attributes."""
    cells = summarise(pd.Series(times, dtype=float).groupby(np.zeros(len(times))))
    return SimpleNamespace(**cells.iloc[0].to_dict())


def test_summary_matches_scipy_and_numpy():
    summary = summary_of(STEADY)
    assert summary.n == 8
    assert summary.mean == pytest.approx(np.mean(STEADY))
    assert summary.stddev == pytest.approx(np.std(STEADY, ddof=1))
    assert summary.median == pytest.approx(1.0)
    assert summary.minimum == 0.98
    low, high = stats.t.interval(0.95, 7, loc=np.mean(STEADY), scale=stats.sem(STEADY))
    assert summary.ci95 == pytest.approx((high - low) / 2)
    assert summary.cov == pytest.approx(summary.stddev / summary.mean)
    assert summary.warnings == []


def test_an_outlier_is_flagged_counted_and_kept():
    summary = summary_of([*STEADY, 3.0])
    assert summary.outliers == 1
    assert summary.n == 9
    assert summary.maximum == 3.0
    assert "1 outlier run (kept)" in summary.warnings


@pytest.mark.parametrize(
    ("values", "warning"),
    [
        ([1.0, 1.01, 0.99], "n = 3 < 5"),
        ([1.0, 1.2, 0.8, 1.1, 0.9], "CoV 15.8% > 5%"),
        ([0.0005, 0.0005, 0.0005, 0.0005, 0.0005], "a run took 0.50 ms (< 1 ms)"),
    ],
)
def test_unstable_cells_are_warned_about(values, warning):
    assert warning in summary_of(values).warnings


def test_a_single_run_has_no_spread_and_no_valid_run_says_so():
    one = summary_of([2.0, math.nan])
    assert one.n == 1 and one.mean == 2.0 and math.isnan(one.stddev) and math.isnan(one.ci95)
    assert summary_of([math.nan]).warnings == ["no valid run"]


def test_cells_are_summarised_apart_with_only_their_valid_runs():
    times = pd.Series([1.0, 1.1, math.nan, 2.0, 2.2, 2.1])
    cells = summarise(times.groupby(["a", "a", "a", "b", "b", "b"]))
    assert list(cells.index) == ["a", "b"]
    assert list(cells["n"]) == [2, 3]
    assert list(cells["mean"]) == pytest.approx([1.05, 2.1])


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 15, 30, 60, 120, 1000, 100_000])
def test_the_lean_t_quantile_matches_scipys(df, confidence):
    probability = (1 + confidence) / 2
    assert t_quantile(probability, df) == pytest.approx(stats.t.ppf(probability, df), rel=1e-9)
    assert t_quantile(1 - probability, df) == pytest.approx(stats.t.ppf(1 - probability, df), rel=1e-9)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
@pytest.mark.parametrize("n", [2, 3, 5, 10, 30, 200])
def test_the_intervals_are_the_same_with_the_lean_quantile_and_scipys(n, confidence):
    values = np.random.default_rng(n).lognormal(0.0, 0.2, n).tolist()
    for interval in (mean_interval, paired_ratio_interval):
        lean = interval(values, confidence)
        with_scipy = interval(values, confidence, quantile=T_QUANTILE)
        assert (lean.estimate, lean.low, lean.high) == pytest.approx(
            (with_scipy.estimate, with_scipy.low, with_scipy.high), rel=1e-9
        )


def test_the_mean_interval_is_scipys_t_interval():
    interval = mean_interval(STEADY, 0.99, quantile=T_QUANTILE)
    low, high = stats.t.interval(0.99, len(STEADY) - 1, loc=np.mean(STEADY), scale=stats.sem(STEADY))
    assert (interval.estimate, interval.low, interval.high, interval.n) == pytest.approx(
        (np.mean(STEADY), low, high, 8)
    )
    assert interval.half_width == pytest.approx((high - low) / 2)
    assert math.isnan(mean_interval([1.0]).half_width) and mean_interval([1.0]).estimate == 1.0
    assert math.isnan(mean_interval([]).estimate)


def test_a_paired_ratio_is_the_geometric_mean_with_a_log_scale_interval_above_zero():
    ratios = [0.2, 1.0, 3.0, 0.5, 2.0, 0.9]
    interval = paired_ratio_interval(ratios)
    assert interval.estimate == pytest.approx(stats.gmean(ratios))
    assert interval.estimate < np.mean(ratios), "not the arithmetic mean"
    assert 0 < interval.low < interval.estimate < interval.high
    logs = stats.t.interval(0.95, 5, loc=np.mean(np.log(ratios)), scale=stats.sem(np.log(ratios)))
    assert (interval.low, interval.high) == pytest.approx(tuple(np.exp(logs)))
    inverse = paired_ratio_interval([1 / value for value in ratios])
    assert (inverse.low, inverse.high) == pytest.approx((1 / interval.high, 1 / interval.low))
    with pytest.raises(ValueError, match="positive"):
        paired_ratio_interval([1.0, -0.5])


def test_ratio_propagates_both_relative_spreads():
    value, error = ratio(3.0, 0.3, 2.0, 0.1)
    assert value == pytest.approx(1.5)
    assert error == pytest.approx(1.5 * math.sqrt(0.1**2 + 0.05**2))
    assert ratio(2.0, math.nan, 1.0, 0.0) == (2.0, 0.0)


@pytest.mark.parametrize("test", list(SignificanceTest))
def test_compare_tells_same_slower_and_faster_apart(test):
    rng = np.random.default_rng(7)
    a = rng.normal(1.0, 0.01, 10)
    assert compare(a, rng.normal(1.0, 0.01, 10), test=test).verdict is Verdict.SAME
    slower = compare(a, rng.normal(1.2, 0.012, 10), test=test)
    assert slower.verdict is Verdict.SLOWER
    assert slower.ci_low < slower.ratio < slower.ci_high
    assert slower.ratio == pytest.approx(1.2, rel=0.02)
    assert compare(a, rng.normal(0.8, 0.008, 10), test=test).verdict is Verdict.FASTER


def test_compare_needs_two_runs_a_side():
    assert compare([1.0], [1.0, 1.1]).verdict is Verdict.TOO_FEW


def test_a_noisy_sample_against_itself_has_a_positive_interval_around_one():
    noisy = [0.2, 1.0, 3.0, 0.5, 2.0, 0.9]
    same = compare(noisy, noisy)
    assert (same.ratio, same.verdict) == (pytest.approx(1.0), Verdict.SAME)
    assert 0 < same.ci_low < 1 < same.ci_high
    assert same.ci_low * same.ci_high == pytest.approx(1.0), "symmetric on the log scale"


def test_the_interval_is_welchs_on_the_log_times_and_agrees_with_the_verdict():
    rng = np.random.default_rng(3)
    a, b = rng.lognormal(0.0, 0.3, 12), rng.lognormal(0.4, 0.3, 9)
    result = compare(a, b, alpha=0.05)
    t_interval = stats.ttest_ind(np.log(b), np.log(a), equal_var=False).confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx(tuple(np.exp(t_interval)))
    assert result.ratio == pytest.approx(stats.gmean(b) / stats.gmean(a))
    assert (result.verdict is Verdict.SLOWER) == (result.ci_low > 1)
