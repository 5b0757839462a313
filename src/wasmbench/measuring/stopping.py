"""``--runs auto``: which modes of a workload have measured enough after a round, and why they stop.

Each mode stops on its own, once the 95 % confidence interval of its mean is within ``ci_target``
of that mean and, while native (the denominator of every ratio) is still running, so is the
interval of its paired ratio to native (the geometric mean of its per-round ratios; each needs at
least ``MIN_RUNS`` valid runs or rounds). Native itself goes on until every other mode has stopped,
so that each ratio has its pairs, then stops once its own mean is within the target. A mode also
stops after ``max_time_s`` seconds of its own measured time, or when its first ``MIN_RUNS`` runs all
failed (a runtime that crashes on this workload has nothing to converge to); the engine stops every
mode after ``max_runs`` rounds. pyperf and hyperfine use the same idea for one command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wasmbench.execution.interference import disturbed_runs
from wasmbench.measuring.measurement import Measurement
from wasmbench.measuring.stats import MIN_RUNS, mean_interval, paired_ratio_interval

AUTO = "auto"
CI_REACHED = "ci target reached"
MAX_RUNS = "max runs"
MAX_TIME = "max time"
NO_VALID_RUN = "no valid run"


@dataclass(frozen=True)
class StopRule:
    ci_target: float
    max_time_s: float

    def stopping(self, runs: Mapping[str, Sequence[Measurement]], baseline: str | None) -> dict[str, str]:
        """The still-running modes (``runs``: each one's runs so far, by pair key) that stop now,
        each with its reason, native last. ``baseline`` is native's key while native is among them."""
        native = runs.get(baseline) if baseline is not None else None
        reasons = {mode: self.reason(own, native) for mode, own in runs.items() if mode != baseline}
        stopping = {mode: reason for mode, reason in reasons.items() if reason}
        if native is not None:
            reason = self.reason(native)
            if reason and (reason != CI_REACHED or len(stopping) == len(reasons)):
                stopping[baseline] = reason
        return stopping

    def reason(self, runs: Sequence[Measurement], native: Sequence[Measurement] | None = None) -> str | None:
        """Why one mode stops after these runs (paired by round with ``native``'s), or None."""
        valid = [run.usage.wall_ns / 1e9 for run in runs if run.ok]
        if not valid and len(runs) >= MIN_RUNS:
            return NO_VALID_RUN
        if self._within_target(valid) and (native is None or self._ratio_within_target(runs, native)):
            return CI_REACHED
        if sum(run.usage.wall_ns for run in runs) / 1e9 >= self.max_time_s:
            return MAX_TIME
        return None

    def _within_target(self, seconds: Sequence[float]) -> bool:
        """Whether the mean of ``seconds`` is known within the target."""
        if len(seconds) < MIN_RUNS:
            return False
        interval = mean_interval(seconds)
        return interval.half_width <= self.ci_target * interval.estimate

    def _ratio_within_target(self, runs: Sequence[Measurement], native: Sequence[Measurement]) -> bool:
        """Whether the paired ratio to native (as the report computes it: over the rounds in which
        neither run was disturbed, wherever two remain) is known within the target."""
        native_by_round = {
            run.round: (run.usage.wall_ns, disturbed)
            for run, disturbed in zip(native, disturbed_runs(native), strict=True)
            if run.ok and run.round is not None
        }
        paired = [
            (run.usage.wall_ns / native_by_round[run.round][0], disturbed or native_by_round[run.round][1])
            for run, disturbed in zip(runs, disturbed_runs(runs), strict=True)
            if run.ok and run.round in native_by_round
        ]
        undisturbed = [ratio for ratio, disturbed in paired if not disturbed]
        ratios = undisturbed if len(undisturbed) >= 2 else [ratio for ratio, _ in paired]
        if len(ratios) < MIN_RUNS:
            return False
        interval = paired_ratio_interval(ratios)
        return interval.half_width <= self.ci_target * interval.estimate


def runs_argument(text: str) -> int | str:
    """``--runs``: a count, or ``auto``."""
    if text == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--runs takes a number or 'auto', not {text!r}") from None
