"""``--runs auto``: when a workload's rounds have measured enough, and why they stopped.

A workload's rounds go on until the 95 % confidence interval of every mode's mean is within
``ci_target`` of that mean (each with at least ``MIN_RUNS`` valid runs), or until ``max_runs``
rounds, or until one mode has spent ``max_time_s`` seconds of measured time, whichever comes first
(pyperf and hyperfine use the same idea for one command). The modes of a workload stop together,
so that every round holds every mode and the paired ratios keep their pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wasmbench.measuring.measurement import Measurement
from wasmbench.measuring.stats import MIN_RUNS, ci_half_width

AUTO = "auto"
CI_REACHED = "ci target reached"
MAX_RUNS = "max runs"
MAX_TIME = "max time"


@dataclass(frozen=True)
class StopRule:
    ci_target: float
    max_time_s: float

    def reason(self, runs_of_each_mode: Sequence[Sequence[Measurement]]) -> str | None:
        """Why a workload's rounds stop after these runs of its modes, or None to go on."""
        if all(self.settled(runs) for runs in runs_of_each_mode):
            return CI_REACHED
        if any(sum(run.usage.wall_ns for run in runs) / 1e9 >= self.max_time_s for runs in runs_of_each_mode):
            return MAX_TIME
        return None

    def settled(self, runs: Sequence[Measurement]) -> bool:
        """Whether one mode's mean is known within the target, or there is nothing to know: a mode
        that failed its first ``MIN_RUNS`` runs (a runtime that crashes on this workload) would
        otherwise hold every other mode to the limits."""
        valid = [run.usage.wall_ns / 1e9 for run in runs if run.ok]
        if not valid and len(runs) >= MIN_RUNS:
            return True
        if len(valid) < MIN_RUNS:
            return False
        return ci_half_width(valid) <= self.ci_target * sum(valid) / len(valid)


def runs_argument(text: str) -> int | str:
    """``--runs``: a count, or ``auto``."""
    if text == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--runs takes a number or 'auto', not {text!r}") from None
