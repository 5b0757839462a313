"""A timer for pytest-benchmark that advances only by the wall time wasmbench measured.

pytest-benchmark times the target function it is given; ours spawns, waits and validates, so its
own timer would add the harness's overhead to every round. Passing this clock as the benchmark's
timer makes each round's duration exactly the measured wall time of the program.
"""

from __future__ import annotations


class MeasuredClock:
    def __init__(self) -> None:
        self._ns = 0

    def __call__(self) -> float:
        return self._ns / 1e9

    def advance(self, ns: int) -> None:
        self._ns += ns


MEASURED_CLOCK = MeasuredClock()
