"""Summaries, warnings, outliers, ratio uncertainty and two-sample verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from wasmbench.reports.statistics import SignificanceTest, Verdict, compare, ratio, summarise

STEADY = [1.00, 1.01, 0.99, 1.00, 1.02, 0.98, 1.00, 1.01]


def test_summary_matches_scipy_and_numpy():
    summary = summarise(STEADY)
    assert summary.n == 8
    assert summary.mean == pytest.approx(np.mean(STEADY))
    assert summary.stddev == pytest.approx(np.std(STEADY, ddof=1))
    assert summary.median == pytest.approx(1.0)
    assert summary.minimum == 0.98
    low, high = stats.t.interval(0.95, 7, loc=np.mean(STEADY), scale=stats.sem(STEADY))
    assert summary.ci95 == pytest.approx((high - low) / 2)
    assert summary.cov == pytest.approx(summary.stddev / summary.mean)
    assert summary.warnings == ()


def test_an_outlier_is_flagged_counted_and_kept():
    summary = summarise([*STEADY, 3.0])
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
    assert warning in summarise(values).warnings


def test_a_single_run_has_no_spread_and_no_valid_run_says_so():
    one = summarise([2.0])
    assert one.mean == 2.0 and math.isnan(one.stddev) and math.isnan(one.ci95)
    assert summarise([]).warnings == ("no valid run",)


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
