"""Shared fixtures: an isolated cache per test session, and the official outputs when present."""

from __future__ import annotations

from pathlib import Path

import pytest

# ../shared/benchmarksgame holds the Benchmarks Game's published outputs on the developers'
# machines and in CI; a user's clone does not have it, so tests that need it skip.
OFFICIAL_OUTPUTS = Path(__file__).resolve().parents[2] / "shared" / "benchmarksgame"


@pytest.fixture(scope="session")
def official_outputs() -> Path:
    if not OFFICIAL_OUTPUTS.is_dir():
        pytest.skip(f"the Benchmarks Game reference outputs are not at {OFFICIAL_OUTPUTS}")
    return OFFICIAL_OUTPUTS
