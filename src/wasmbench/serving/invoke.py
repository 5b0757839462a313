"""``wasmbench invoke``'s measuring loop: cold starts, memory and warm load, every mode interleaved.

Each selected pair (workload, size, runtime mode) is served on its cold path (a run per
invocation) and, where its runner holds the mode warm (``paths.can_serve_warm``), on its warm
path: a *unit*. Three phases measure the units, each in rounds whose order is shuffled with the
suite's seed (as ``run``'s rounds are), so that a noisy phase of the machine lands on every mode:

- cold starts (``--cold`` rounds): a fresh host started in this process and its first invocation,
  timed together (``served_module`` then one validated invocation); on the cold path, one
  invocation end to end. The HTTP front's own start-up is not the function's and is left out;
- memory (warm units): ``--density`` instances started side by side, each invoked once, their
  hosts' summed resident memory after each (the report fits the slope: one more instance's cost);
- load (one round per concurrency level): ``wasmbench serve`` started on the unit's path with one
  instance per concurrent request (at most ``max_instances``) and driven by hey (``load.py``).
  Units with a warm path are loaded warm; a mode without one is loaded cold (what ``serve``
  gives it), with at most ``--cold`` requests per level (each is a whole process or container
  start; hey sends at least one per client).

Every sample is journalled as it is taken (``Journal.record_invocation``); a unit's progress in
each phase is what the journal holds, so ``--resume`` takes the rounds and levels still lacking.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from tqdm import tqdm

from wasmbench.errors import WasmbenchError
from wasmbench.measuring.job import Job, run_validated
from wasmbench.measuring.measurement import Measurement
from wasmbench.measuring.suite import Suite
from wasmbench.runtimes.runner import Mode, Runner, ServedModule
from wasmbench.serving import paths
from wasmbench.serving.invoke_options import InvokeSettings
from wasmbench.serving.load import ServeProcess, drive, serve_argv
from wasmbench.serving.memory import PEAK, resident_bytes
from wasmbench.serving.paths import COLD, WARM, ServingPath
from wasmbench.store.schema import ColdStart, InvocationResult, LoadRun, MemoryPoint, Pair, Sample, Status

ServeCommand = Callable[[str, str, str, str, int, float], list[str]]


@dataclass(frozen=True)
class Unit:
    """A bound pair served on one path."""

    job: Job
    mode: Mode
    path: ServingPath
    # loaded by the load generator: the warm path, or the cold one of a mode without a warm path
    loaded: bool

    @property
    def pair(self) -> Pair:
        return self.job.pair

    @property
    def runner(self) -> Runner:
        return self.job.runner

    @property
    def spec(self) -> str:
        return f"{self.pair.runtime}:{self.pair.mode}"

    def serve(self) -> ServedModule:
        return paths.served_module(self.runner, self.mode, self.job.prepared, self.path)

    def validated(self, served: ServedModule) -> Measurement:
        """One invocation of ``served`` with the pair's arguments and inputs, its output checked."""
        return run_validated(served.invoke, self.job.invocation, self.job.check)


def units_of(job: Job) -> list[Unit]:
    """The pair's cold path, and its warm path where its runner holds the mode warm."""
    mode = job.runner.declaration.mode(job.pair.mode)
    if paths.can_serve_warm(job.runner, mode):
        return [Unit(job, mode, COLD, False), Unit(job, mode, WARM, True)]
    return [Unit(job, mode, COLD, True)]


class Invoker:
    """Measures a suite's pending pairs as served functions, into its journal."""

    def __init__(
        self,
        suite: Suite,
        settings: InvokeSettings,
        serve_command: ServeCommand = serve_argv,
        progress: bool = True,
    ) -> None:
        self.suite, self.settings, self.serve_command = suite, settings, serve_command
        self.journal = suite.journal
        self.progress = progress
        self.current: Pair | None = None  # the pair being measured, for a harness error's message

    def run(self) -> None:
        """Bind every pending pair, take the three phases' missing samples, mark the pairs done."""
        jobs = [job for pair in self.journal.pending() if (job := self.suite.bind(pair)) is not None]
        try:
            units = [unit for job in jobs for unit in units_of(job)]
            self.cold_starts(units)
            self.memory([unit for unit in units if unit.path == WARM])
            self.loads([unit for unit in units if unit.loaded])
            for job in jobs:
                self.journal.record_done(job.pair)
        finally:
            for job in jobs:
                job.close()

    def cold_starts(self, units: Sequence[Unit]) -> None:
        """``cold`` rounds; a unit's round index is the number of cold starts it has."""
        while lacking := [unit for unit in units if len(self._result(unit).cold_starts) < self.settings.cold]:
            round_index = min(len(self._result(unit).cold_starts) for unit in lacking)
            due = [unit for unit in lacking if len(self._result(unit).cold_starts) == round_index]
            for position, unit in self._shuffled(due, f"cold start {round_index + 1}/{self.settings.cold}"):
                self._record(unit, cold_start(unit, round_index, position))

    def memory(self, units: Sequence[Unit]) -> None:
        """The memory points of each warm unit that has none yet."""
        due = [unit for unit in units if not self._result(unit).memory]
        for _, unit in self._shuffled(due, "memory"):
            for point in memory_points(unit, self.settings.density):
                self._record(unit, point)

    def loads(self, units: Sequence[Unit]) -> None:
        """A round per concurrency level: every unit not yet loaded at it, in a shuffled order."""
        for level in self.settings.concurrency:
            due = [
                unit for unit in units if level not in {run.concurrency for run in self._result(unit).loads}
            ]
            for position, unit in self._shuffled(due, f"load -c {level}"):
                self._record(unit, replace(self.load(unit, level), position=position))

    def load(self, unit: Unit, concurrency: int) -> LoadRun:
        """One load run of ``unit`` at ``concurrency`` through ``wasmbench serve``; a front that
        does not start is the run's every request failed (``not served``), with its reason."""
        settings = self.settings
        requests = settings.requests if unit.path == WARM else min(settings.requests, settings.cold)
        instances = settings.instances(concurrency)
        timeout_s = self.suite.options.timeout_s
        pair = unit.pair
        argv = self.serve_command(unit.spec, pair.workload, pair.size, unit.path, instances, timeout_s)
        try:
            with ServeProcess(argv) as serve:
                return drive(serve, requests, concurrency, instances, timeout_s, settings.level_seconds)
        except WasmbenchError as error:
            return LoadRun(
                concurrency, instances, requests, [], {"not served": requests}, 0.0, detail=str(error)
            )

    def _shuffled(self, units: Sequence[Unit], stage: str) -> Iterable[tuple[int, Unit]]:
        """``units`` in the order of ``stage``'s generator (the same on a resume), with progress."""
        order = list(units)
        random.Random(f"{self.suite.options.seed}:invoke:{stage}").shuffle(order)
        bar = tqdm(order, desc=stage, unit="mode", file=sys.stderr, disable=not self.progress or not order)
        for position, unit in enumerate(bar):
            self.current = unit.pair
            bar.set_postfix_str(f"{unit.pair.key} {unit.path}")
            yield position, unit
        self.current = None

    def _result(self, unit: Unit) -> InvocationResult:
        return self.journal.invocation_result(unit.pair, unit.path)

    def _record(self, unit: Unit, sample: Sample) -> None:
        self.journal.record_invocation(unit.pair, unit.path, sample)


def cold_start(unit: Unit, round_index: int, position: int) -> ColdStart:
    """A host started and its first invocation validated, timed together (the cold path: one
    invocation end to end); the host's peak resident memory (the cold path: the run's)."""
    started = time.perf_counter_ns()
    try:
        served = unit.serve()
    except WasmbenchError as error:
        return ColdStart(
            round_index, position, Status.ERROR, time.perf_counter_ns() - started, detail=str(error)
        )
    try:
        measurement = unit.validated(served)
        wall_ns = time.perf_counter_ns() - started
        peak = resident_bytes(served.pids(), PEAK) or measurement.usage.max_rss_kib * 1024
    finally:
        served.close()
    return ColdStart(round_index, position, measurement.status, wall_ns, peak, measurement.detail)


def memory_points(unit: Unit, most: int) -> list[MemoryPoint]:
    """The summed resident memory of 1 … ``most`` warm instances, each after a valid invocation;
    it stops at the first that fails to start or to answer right (fewer points, no guess)."""
    modules: list[ServedModule] = []
    points = []
    try:
        for count in range(1, most + 1):
            modules.append(unit.serve())
            if not unit.validated(modules[-1]).ok:
                break
            points.append(
                MemoryPoint(count, resident_bytes(pid for module in modules for pid in module.pids()))
            )
    except WasmbenchError:
        pass  # the points so far stand; the report shows how many there are
    finally:
        for module in modules:
            module.close()
    return points
