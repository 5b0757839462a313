"""Measure one (workload, size, runtime, mode) pair per test; fail when any run was not valid."""

from __future__ import annotations

import pytest

from wasmbench.clock import MEASURED_CLOCK
from wasmbench.plan import Pair
from wasmbench.suite import Suite


@pytest.mark.benchmark(timer=MEASURED_CLOCK)
def test_pair(pair: Pair, suite: Suite, benchmark) -> None:
    runs = suite.measure_pair(pair, benchmark)
    failures = [run for run in runs if not run.ok]
    if failures:
        first = failures[0]
        pytest.fail(f"{pair.key}: {len(failures)} of {len(runs)} runs {first.status.value}: {first.detail}")
