"""Evidence that something else on the machine slowed a run down, and the verdict ``disturbed``.

Interference only ever slows a run (Chen & Revels, "Robust benchmarking in noisy environments",
2016), and a compute-bound run shows it directly: while the kernel gives its CPU to another process,
its wall time goes on and its CPU time does not, so wall ÷ (user + sys) rises. That ratio is the
verdict, judged against the lowest among the same pair's runs: near 1 for a single-threaded program,
but a fixed start-up cost (a container's ``docker exec``) or threads (a JIT compiling in parallel)
set each mode's own floor. A virtual machine's guest cannot see all of it: a hypervisor that slows
the vCPU without reporting steal, or a neighbour on the same core or memory bus, stretches CPU time
and wall time alike. So a run is also disturbed when it is much slower than the median of its pair's
runs, with wall ÷ CPU as clean as the others'. The verdict is derived from the stored wall and CPU
times whenever it is needed (by the engine's repeats, the stop rule, the report), never stored: a
later run that shows a lower floor revises it. Beside it the harness records what the host saw over
the same interval, read from ``/proc`` once before and once after the run (two small reads, outside
the measured child): the CPU time of every other process (``/proc/stat``'s busy time minus the run's
own), the hypervisor's steal, and the time some task waited for a CPU (``/proc/pressure/cpu``, where
the kernel has it). Those explain a verdict; they do not make one: on a machine of several cores
another process's CPU time need not come out of the measured run's.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wasmbench.store.schema import Measurement

# How far a run's wall ÷ CPU may exceed its pair's lowest before the run counts as disturbed. On
# this project's 2-core VM (docs/methodology.md, "Disturbed runs"), runs of a compute-bound program
# while no task waited for a CPU stayed within +0.8 % of the lowest (90th percentile), +2.2 % at
# most; under a two-core on/off load 80 % of the runs were beyond +5 %, most far beyond (median +82 %).
DISTURBED_EXCESS = 0.05
# How far a run's wall time may exceed the median of its pair's runs before it counts as disturbed
# although nothing on the machine showed it. On this project's 2-core VM, quiet runs of the
# compute-bound workloads varied by at most 1.6 % (CoV; layout randomization included), and the
# unseen disturbances were far beyond: native fannkuch-redux 2.84 s among seven runs of 2.36–2.38 s,
# wasmtime:aot n-body 1.49 s among seven of 1.26–1.28 s, each with wall ÷ CPU 1.000, no steal and no
# other process running.
SLOWER_THAN_MEDIAN = 0.10
# The median says what is usual only when there are enough runs to outvote a slow one.
MEDIAN_RUNS = 4
# A run shorter than this on the CPU gives no ratio worth judging: a millisecond of start-up jitter
# would be a few per cent of it (start-up probes, the test size, a failed run).
SHORTEST_JUDGED_CPU_S = 0.1

PROC_STAT = Path("/proc/stat")
CPU_PRESSURE = Path("/proc/pressure/cpu")
# /proc/stat's columns: user nice system idle iowait irq softirq steal (then guest time, which
# user already counts).
IDLE_COLUMNS = (3, 4)
STEAL_COLUMN = 7


@dataclass(frozen=True)
class CpuCounters:
    """The host's CPU counters since boot, in seconds (None where this kernel has no such file)."""

    busy_s: float | None
    steal_s: float | None
    pressure_s: float | None

    @classmethod
    def read(cls) -> CpuCounters:
        busy = steal = None
        if stat := _first_line(PROC_STAT, "cpu "):
            ticks = [int(value) for value in stat.split()[1 : STEAL_COLUMN + 2]]
            per_second = os.sysconf("SC_CLK_TCK")
            idle = sum(ticks[column] for column in IDLE_COLUMNS)
            busy, steal = (sum(ticks) - idle) / per_second, ticks[STEAL_COLUMN] / per_second
        pressure = _first_line(CPU_PRESSURE, "some ")
        pressure_s = int(pressure.rsplit("total=", 1)[1]) / 1e6 if pressure else None
        return cls(busy, steal, pressure_s)


def wall_to_cpu(wall_s: float, cpu_s: float) -> float | None:
    """A run's wall time ÷ its CPU time (user + sys), or None where it used too little CPU to judge."""
    return wall_s / cpu_s if cpu_s >= SHORTEST_JUDGED_CPU_S else None


def beyond_floor(ratios: Sequence[float | None]) -> list[bool]:
    """Which of one pair's runs (their ``wall_to_cpu``; None: not judged) were disturbed: more than
    ``DISTURBED_EXCESS`` above the lowest of them, the pair's floor. Judged over all the pair's runs
    at once, so a first run that was already disturbed does not become the floor."""
    judged = [ratio for ratio in ratios if ratio is not None]
    floor = min(judged, default=math.inf)
    return [ratio is not None and ratio > floor * (1 + DISTURBED_EXCESS) for ratio in ratios]


def slower_than_usual(walls: Sequence[float | None]) -> list[bool]:
    """Which of one pair's runs (their wall times; None: not judged) were more than
    ``SLOWER_THAN_MEDIAN`` slower than the median of them; none while fewer than ``MEDIAN_RUNS``
    were judged."""
    judged = sorted(wall for wall in walls if wall is not None)
    if len(judged) < MEDIAN_RUNS:
        return [False] * len(walls)
    median = statistics.median(judged)
    return [wall is not None and wall > median * (1 + SLOWER_THAN_MEDIAN) for wall in walls]


def disturbed_runs(runs: Sequence[Measurement]) -> list[bool]:
    """Which of one pair's valid runs were disturbed: ``beyond_floor`` (the machine showed it) or
    ``slower_than_usual`` (it did not)."""
    judged = [run.ok and run.usage.user_s + run.usage.sys_s >= SHORTEST_JUDGED_CPU_S for run in runs]
    ratios = [
        wall_to_cpu(run.usage.wall_ns / 1e9, run.usage.user_s + run.usage.sys_s) if run.ok else None
        for run in runs
    ]
    walls = [run.usage.wall_ns / 1e9 if ok else None for run, ok in zip(runs, judged, strict=True)]
    return [
        seen or unseen for seen, unseen in zip(beyond_floor(ratios), slower_than_usual(walls), strict=True)
    ]


def with_evidence(measurement: Measurement, before: CpuCounters, after: CpuCounters) -> Measurement:
    """The run with what the host saw between ``before`` and ``after``."""
    own_cpu_s = measurement.usage.user_s + measurement.usage.sys_s
    others = _difference(after.busy_s, before.busy_s)
    return replace(
        measurement,
        others_cpu_s=None if others is None else max(0.0, others - own_cpu_s),
        steal_s=_difference(after.steal_s, before.steal_s),
        cpu_pressure_s=_difference(after.pressure_s, before.pressure_s),
    )


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 6)


def _first_line(path: Path, prefix: str) -> str | None:
    """The first line of ``path`` that starts with ``prefix``; None where the file does not exist."""
    try:
        with path.open() as lines:
            return next((line for line in lines if line.startswith(prefix)), None)
    except OSError:
        return None
