"""What a suite measures and how: the options ``run``, ``fleet run`` and the pytest adapter share.

They are stored in the journal's header, so ``--resume`` continues the very suite that was planned.
Every option is checked here, before anything is built or measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from wasmbench.build.manifest import SIZES
from wasmbench.build.toolchain import OPT_LEVELS
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.stopping import AUTO, StopRule
from wasmbench.runtimes.emulation import parse_emulation

INTERLEAVED = "interleaved"
CONSECUTIVE = "consecutive"
SCHEDULES = (INTERLEAVED, CONSECUTIVE)


@dataclass
class SuiteOptions:
    workloads: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=lambda: ["default"])
    runtimes: list[str] = field(default_factory=list)
    # Measured rounds per workload (each round runs every mode once); with ``auto`` the most.
    runs: int = 5
    # Unrecorded rounds before them.
    warmup: int = 1
    timeout_s: float = 300.0
    seed: int | None = None
    opt_level: str = "O2"
    # --runs auto: rounds go on until the stop rule says enough, at most max_runs.
    auto: bool = False
    max_runs: int = 30
    max_time_s: float = 120.0
    ci_target: float = 0.02
    # --emulate ARCH: run that architecture's builds here under QEMU (see emulation.py).
    emulate: str | None = None
    # interleaved: randomized rounds (every mode once per round, shuffled); consecutive: each
    # pair's runs back to back (the older order, kept to show what interleaving buys).
    schedule: str = INTERLEAVED
    # A padding environment variable of random length per run (see layout.py).
    layout_randomization: bool = True
    # Also the modes left out of the default selection (interpreters), without naming them.
    all_modes: bool = False

    def __post_init__(self) -> None:
        # Repeating a name never measures a pair twice: -r native -r native is -r native.
        self.workloads = list(dict.fromkeys(self.workloads))
        self.sizes = list(dict.fromkeys(self.sizes))
        self.runtimes = list(dict.fromkeys(self.runtimes))

    @property
    def rounds(self) -> int:
        """Measured rounds per workload: fixed, or the most ``--runs auto`` may take."""
        return self.max_runs if self.auto else self.runs

    @property
    def stop_rule(self) -> StopRule | None:
        return StopRule(self.ci_target, self.max_time_s) if self.auto else None

    def check(self) -> None:
        """Refuse what cannot be measured, with the option's name."""
        if self.rounds < 1:
            raise WasmbenchError(f"{'--max-runs' if self.auto else '--runs'} must be at least 1")
        for name, value in (
            ("--timeout", self.timeout_s),
            ("--ci-target", self.ci_target),
            ("--max-time", self.max_time_s),
        ):
            if not (math.isfinite(value) and value > 0):
                raise WasmbenchError(f"{name} must be a finite positive number, not {value}")
        if self.warmup < 0:
            raise WasmbenchError("--warmup cannot be negative")
        if self.opt_level not in OPT_LEVELS:
            raise WasmbenchError(f"--opt must be one of {', '.join(OPT_LEVELS)}, not {self.opt_level!r}")
        if self.schedule not in SCHEDULES:
            raise WasmbenchError(f"--schedule must be one of {', '.join(SCHEDULES)}")
        parse_emulation(self.emulate)
        unknown = [size for size in self.sizes if size not in SIZES]
        if unknown:
            raise WasmbenchError(f"unknown size {', '.join(unknown)} (known: {', '.join(SIZES)})")

    def describe_runs(self) -> str:
        """How many runs each pair gets, in words for the suite's first line."""
        if not self.auto:
            return f"{self.runs} rounds"
        return (
            f"rounds until every mode's 95% CI is within ±{self.ci_target:.0%} of its mean "
            f"(at most {self.max_runs} rounds or {self.max_time_s:g} s per mode)"
        )


def runs_options(
    runs: int | str, max_runs: int, max_time_s: float, ci_target_percent: float
) -> dict[str, Any]:
    """SuiteOptions fields for ``--runs N`` or ``--runs auto`` (with its limits)."""
    auto = runs == AUTO
    return {
        "runs": max_runs if auto else runs,
        "auto": auto,
        "max_runs": max_runs,
        "max_time_s": max_time_s,
        "ci_target": ci_target_percent / 100,
    }
