"""How far one host block's measurements can be trusted, in lines a reader can act on: how many
cells are over the noise threshold, why, and what would reduce it; and whether the runs were too
short to measure the workloads at all."""

from __future__ import annotations

import pandas as pd

from wasmbench.measuring.stats import MIN_RUNS
from wasmbench.reports.frame import STARTUP_WORKLOADS
from wasmbench.reports.statistics import SHORTEST_RELIABLE_S, UNSTABLE_COV
from wasmbench.reports.summary import AUTO_STOP_REASONS

# The size whose runs last milliseconds: the Benchmarks Game's output check, not a measurement.
CHECK_SIZE = "test"
QUIETER = "a quieter machine (nothing else running, no CPU frequency scaling)"
LARGER = "a larger size (--size default)"


def advice(block: pd.DataFrame) -> list[str]:
    """The block's noise line and its short-runs line, where they have something to say."""
    return [line for line in (noise_line(block), short_runs_line(block)) if line]


def noise_line(block: pd.DataFrame) -> str:
    """``⚠ 12 of 20 cells over the noise threshold (…): … would reduce it``; empty when none is."""
    measured = block[block["n"] > 0]
    reasons = {
        f"CoV > {UNSTABLE_COV:.0%}": measured["cov"] > UNSTABLE_COV,
        f"fewer than {MIN_RUNS} runs": measured["n"] < MIN_RUNS,
        # the start-up probe's runs are meant to be that short
        "a run under 1 ms": (measured["minimum"] < SHORTEST_RELIABLE_S)
        & ~measured["workload"].isin(STARTUP_WORKLOADS),
        "outlier runs": measured["outliers"] > 0,
    }
    flagged = pd.concat(reasons, axis=1).any(axis=1)
    if not flagged.any():
        return ""
    counts = ", ".join(f"{int(cells.sum())} {reason}" for reason, cells in reasons.items() if cells.any())
    remedies = []
    if (reasons[f"CoV > {UNSTABLE_COV:.0%}"] | reasons[f"fewer than {MIN_RUNS} runs"]).any():
        remedies.append(_more_rounds(block))
    if (reasons[f"CoV > {UNSTABLE_COV:.0%}"] | reasons["outlier runs"]).any():
        remedies.append(QUIETER)
    if reasons["a run under 1 ms"].any():
        remedies.append(LARGER)
    return (
        f"⚠ {int(flagged.sum())} of {len(measured)} cells over the noise threshold ({counts}): "
        f"{_either(remedies)} would reduce it. The cells are listed at the end of the report."
    )


def short_runs_line(block: pd.DataFrame) -> str:
    """A suite at the check size says that its ratios measure start-up, not the workloads."""
    if block["size"].iloc[0] != CHECK_SIZE:
        return ""
    return (
        f"⚠ Size {CHECK_SIZE}: runs of a few milliseconds, so the ratios to native measure start-up "
        "(process, runtime, container), not the workloads; --size default measures the work."
    )


def _more_rounds(block: pd.DataFrame) -> str:
    if block["stop_reason"].isin(AUTO_STOP_REASONS).any():
        return "more rounds (a higher --max-runs for --runs auto)"
    return "more rounds (--runs 10, or --runs auto: rounds until each 95 % CI is within --ci-target)"


def _either(remedies: list[str]) -> str:
    return remedies[0] if len(remedies) == 1 else ", ".join(remedies[:-1]) + " or " + remedies[-1]
