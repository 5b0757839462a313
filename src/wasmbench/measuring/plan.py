"""What a suite measures: (workload, size, runtime, mode) pairs, grouped by (workload, size).

A group is the unit of the interleaved schedule: each of its rounds runs every pair of the group
once. Groups come in an order shuffled with the recorded seed, so that drift of the machine (heat,
other load) does not always fall on the same workload.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from wasmbench.store.schema import Pair


def make_plan(
    workloads: Iterable[str], sizes: Iterable[str], runtime_modes: Iterable[tuple[str, str]], seed: int
) -> list[Pair]:
    """Every combination once (repeated names are merged), groups in an order shuffled by ``seed``:
    the same seed gives the same plan."""
    groups = [(workload, size) for workload in dict.fromkeys(workloads) for size in dict.fromkeys(sizes)]
    random.Random(seed).shuffle(groups)
    modes = list(dict.fromkeys(runtime_modes))
    return [Pair(workload, size, runtime, mode) for workload, size in groups for runtime, mode in modes]


def groups(pairs: Iterable[Pair]) -> dict[str, list[Pair]]:
    """The pairs by group, in the order the groups first appear."""
    grouped: dict[str, list[Pair]] = {}
    for pair in pairs:
        grouped.setdefault(pair.group, []).append(pair)
    return grouped
