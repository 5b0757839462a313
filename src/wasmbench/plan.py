"""What a suite measures: (workload, size, runtime, mode) pairs in a shuffled, reproducible order.

The order is shuffled with a recorded seed so that drift of the machine (heat, other load) hits
every runtime alike instead of whichever happens to run last.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Pair:
    """One cell of the result table: a workload at a size under one runtime mode."""

    workload: str
    size: str
    runtime: str
    mode: str

    @property
    def key(self) -> str:
        return f"{self.workload}/{self.size}/{self.runtime}/{self.mode}"

    @classmethod
    def from_key(cls, key: str) -> Pair:
        workload, size, runtime, mode = key.split("/")
        return cls(workload, size, runtime, mode)


def make_plan(
    workloads: list[str], sizes: list[str], runtime_modes: list[tuple[str, str]], seed: int
) -> list[Pair]:
    """Every combination, shuffled by ``seed``: the same seed gives the same order."""
    pairs = [
        Pair(workload, size, runtime, mode)
        for workload in workloads
        for size in sizes
        for runtime, mode in runtime_modes
    ]
    random.Random(seed).shuffle(pairs)
    return pairs
