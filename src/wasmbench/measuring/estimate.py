"""How long a suite will take, announced before it starts, from the manifest's rough run times.

Each size in the manifest may carry ``seconds``, a rough native run time: data, so a new workload
or size brings its own. A pair's time is that run time (at most the timeout) for each warmup round
and each round still to measure (with ``--runs auto`` the most it may take, at most ``--max-time``
of measured seconds). The sum is a lower bound: WebAssembly, Docker and emulated modes run slower
than native, and start-up, building and preparing come on top.
"""

from __future__ import annotations

from wasmbench.build.manifest import Workload
from wasmbench.measuring.options import SuiteOptions
from wasmbench.store.journal import Journal

# Above this a suite asks for --yes before it starts: nobody means to start a suite that long
# by accident (``--runs 99999999999``).
LONG_SUITE_S = 24 * 3600


def estimated_seconds(journal: Journal, manifest: dict[str, Workload], options: SuiteOptions) -> float:
    """The seconds the pending pairs of ``journal`` take at native speed (see the module's doc)."""
    total = 0.0
    for pair in journal.pending():
        run_s = min(manifest[pair.workload].size(pair.size).seconds, options.timeout_s)
        rounds = max(options.rounds - len(journal.runs.get(pair.key, [])), 0)
        measured = run_s * rounds
        if options.auto:
            measured = min(measured, max(options.max_time_s, run_s))
        total += measured + run_s * options.warmup
    return total


def describe_duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``294,085 h``: as precise as an estimate deserves."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours:,} h {minutes} min" if hours < 100 else f"{hours:,} h"
