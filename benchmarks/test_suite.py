"""One test per (workload, size) group: its interleaved rounds, run by wasmbench's engine."""

from __future__ import annotations

import pytest

from wasmbench.measuring.plan import Pair
from wasmbench.measuring.suite import Suite


def test_group(group: list[Pair], suite: Suite, request: pytest.FixtureRequest) -> None:
    request.config.wasmbench_engine.run_pairs(group)  # type: ignore[attr-defined]
    runs = {pair.key: suite.journal.runs.get(pair.key, []) for pair in group}
    failures = [
        f"{key}: {run.status.value}: {run.detail}" for key, done in runs.items() for run in done if not run.ok
    ]
    if failures:
        pytest.fail(f"{len(failures)} failed runs; first: {failures[0]}")
