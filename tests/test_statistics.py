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
