"""What ``wasmbench invoke`` measures and how: ``run``'s selection options and its own.

The selection (``-r``, ``-w``, ``--size``, ``--all-modes``), ``--timeout`` and ``--seed`` are
``run``'s very options (``measuring.options.SUITE_OPTIONS``), so both commands name runtimes,
workloads and sizes alike; ``INVOKE_OPTIONS`` are the benchmark's own. ``InvokeSettings`` is what
its journal keeps of them (the header's ``settings``), resolved for this machine (the concurrency
levels, the instance cap), so that ``--resume`` continues the very benchmark that was planned.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wasmbench.errors import WasmbenchError
from wasmbench.measuring.options import (
    SUITE_OPTIONS,
    Option,
    SuiteOptions,
    add_suite_options,
    selection_fields,
)

# run's options that invoke takes as they are (``selection_fields``): what to measure, a run's
# timeout, the order's seed.
SELECTION = ("runtime", "workload", "size", "all_modes", "timeout", "seed")
# Every concurrent request beyond this many instances per core waits in the front's queue: more
# host processes than that only add context switches on the cores they share.
INSTANCES_PER_CORE = 2


@dataclass
class InvokeSettings:
    """``wasmbench invoke``'s own settings, as its journal stores them.

    ``cold``: cold starts per mode and path (fresh hosts); ``requests``: requests per concurrency
    level on a warm path (a cold path takes at most ``cold``: each is a whole process or container
    start); ``concurrency``: the load generator's levels; ``max_instances``:
    the most instances (warm hosts) a level gets, each level otherwise one per concurrent request;
    ``density``: the most warm instances started side by side to fit their memory slope;
    ``level_seconds``: about the longest a concurrency level lasts — a slow function (the
    classifier) gets fewer than ``requests``, as many as fit at the pace of the level's warm-up.
    """

    cold: int = 10
    requests: int = 200
    concurrency: list[int] = field(default_factory=list)
    max_instances: int = 0
    density: int = 4
    level_seconds: float = 10.0

    def check(self) -> None:
        for name, value in (("--cold", self.cold), ("--requests", self.requests)):
            if value < 1:
                raise WasmbenchError(f"{name} must be at least 1, not {value}")
        if self.level_seconds <= 0:
            raise WasmbenchError(f"--level-seconds must be positive, not {self.level_seconds:g}")
        if self.density < 2:
            raise WasmbenchError("--density must be at least 2: a slope needs two points")
        if any(level < 1 for level in self.concurrency) or self.max_instances < 0:
            raise WasmbenchError("--concurrency and --max-instances must be positive")

    def resolved(self, cores: int) -> InvokeSettings:
        """These settings with the machine's defaults filled in: levels 1, cores and 4 × cores;
        at most ``INSTANCES_PER_CORE`` instances per core."""
        levels = self.concurrency or [1, cores, 4 * cores]
        return InvokeSettings(
            cold=self.cold,
            requests=self.requests,
            concurrency=sorted(set(levels)),
            max_instances=self.max_instances or INSTANCES_PER_CORE * cores,
            density=self.density,
            level_seconds=self.level_seconds,
        )

    def instances(self, concurrency: int) -> int:
        return min(concurrency, self.max_instances)


INVOKE_DEFAULTS = InvokeSettings()

INVOKE_OPTIONS = (
    Option(
        ("--cold",),
        "cold",
        "cold starts per mode and path, each on a fresh host (%(default)s)",
        default=INVOKE_DEFAULTS.cold,
        type=int,
    ),
    Option(
        ("--requests",),
        "requests",
        "requests per concurrency level on a warm path (%(default)s; a cold path: at most --cold)",
        default=INVOKE_DEFAULTS.requests,
        type=int,
    ),
    Option(
        ("--level-seconds",),
        "level_seconds",
        "about the longest a concurrency level lasts: a slow function gets fewer requests, as many "
        "as fit at its warm-up's pace (%(default)s)",
        default=INVOKE_DEFAULTS.level_seconds,
        type=float,
    ),
    Option(
        ("-c", "--concurrency"),
        "concurrency",
        "concurrent requests of the load generator (repeatable; default 1, the cores and 4 × the cores)",
        type=int,
        action="append",
    ),
    Option(
        ("--max-instances",),
        "max_instances",
        f"most warm instances per level (default {INSTANCES_PER_CORE} × the cores); "
        "the requests beyond them wait in the front's queue",
        default=INVOKE_DEFAULTS.max_instances,
        type=int,
    ),
    Option(
        ("--density",),
        "density",
        "warm instances started side by side for the memory of one more (%(default)s)",
        default=INVOKE_DEFAULTS.density,
        type=int,
    ),
)


def add_invoke_options(add: Callable[..., Any]) -> None:
    """Declare ``run``'s selection options and ``invoke``'s own with ``add`` (a parser's ``add_argument``)."""
    selection = [option for option in SUITE_OPTIONS if option.dest in SELECTION]
    add_suite_options(add, options=[*selection, *INVOKE_OPTIONS])


def invoke_options(values: Mapping[str, Any]) -> tuple[SuiteOptions, InvokeSettings]:
    """The suite (what to measure) and the settings (how) that parsed options describe, the
    settings resolved for this machine."""
    suite = SuiteOptions(**selection_fields(values))
    settings = InvokeSettings(
        cold=values["cold"],
        requests=values["requests"],
        concurrency=values["concurrency"],
        max_instances=values["max_instances"],
        density=values["density"],
    )
    settings.check()
    return suite, settings.resolved(os.cpu_count() or 1)
