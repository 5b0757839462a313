"""``--runs auto``: when a pair has been measured enough, and why it stopped.

A pair keeps running until the 95 % confidence interval of its mean is within ``ci_target`` of
the mean (at least ``MIN_RUNS`` valid runs), or until ``max_runs`` runs or ``max_time_s`` seconds
of measured time, whichever comes first (pyperf and hyperfine use the same idea).
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmbench.measurement import Measurement

AUTO = "auto"
CI_REACHED = "ci target reached"
MAX_RUNS = "max runs"
MAX_TIME = "max time"


class EnoughRuns(Exception):
    """Raised from the measured function to end ``benchmark.pedantic``'s rounds early."""


@dataclass(frozen=True)
class StopRule:
    ci_target: float
    max_time_s: float

    def reason(self, runs: list[Measurement]) -> str | None:
        """Why to stop after these runs of one pair, or None to go on."""
        # Imported when a suite first asks, not with the suite: scipy stays out of the harness
        # process of fixed-count suites (see ``commands/run.py`` on harness memory).
        from wasmbench.reports.statistics import MIN_RUNS, ci_half_width

        valid = [run.usage.wall_ns / 1e9 for run in runs if run.ok]
        if len(valid) >= MIN_RUNS:
            mean = sum(valid) / len(valid)
            if ci_half_width(valid) <= self.ci_target * mean:
                return CI_REACHED
        if sum(run.usage.wall_ns for run in runs) / 1e9 >= self.max_time_s:
            return MAX_TIME
        return None


def runs_argument(text: str) -> int | str:
    """``--runs``: a count, or ``auto``."""
    if text == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--runs takes a number or 'auto', not {text!r}") from None
