"""One test per (workload, size) group: its interleaved rounds, run by wasmbench's engine."""

from __future__ import annotations

import pytest

from wasmbench.plan import Pair
from wasmbench.suite import Suite


def test_group(group: list[Pair], suite: Suite, request: pytest.FixtureRequest) -> None:
    engine = request.config.wasmbench_engine  # type: ignore[attr-defined]
    jobs = [job for job in map(suite.bind, group) if job is not None]
    try:
        engine.run_group(jobs)
    finally:
        for job in jobs:
            job.close()
    runs = {pair.key: suite.journal.runs.get(pair.key, []) for pair in group}
    failures = [
        f"{key}: {run.status.value}: {run.detail}" for key, done in runs.items() for run in done if not run.ok
    ]
    if failures:
        pytest.fail(f"{len(failures)} failed runs; first: {failures[0]}")
