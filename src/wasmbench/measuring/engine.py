"""The measuring loop: randomized interleaved rounds, every run validated and journalled.

For each (workload, size) group the loop runs rounds; in each round every pair of the group runs
once, in a freshly shuffled order. One noisy phase of a shared machine then falls on all runtime
modes alike instead of on whichever pair happened to run during it, and each mode's time can be
divided by native's time *of the same round* (paired ratios). This is the randomized multiple
interleaved trials method of Abedi and Brecht ("Conducting Repeatable Experiments in Highly Variable
Cloud Computing Environments", ICPE 2017). ``--schedule consecutive`` runs each pair's rounds back
to back instead, the older order, kept to show what interleaving buys.

Each round's order and layout paddings come from a generator seeded by (suite seed, group, round),
so a resumed suite runs the same order it would have run. Unrecorded warmup rounds come first.
Every finished run is on disk (the journal) before the next starts: a pair's round index is the
number of runs it has, so a suite killed in the middle of a round resumes with the pairs that
round still lacks.

Under ``--runs auto`` a mode leaves its group's rounds as soon as the stop rule (``stopping.py``)
lets it go, and the later rounds interleave the modes still running; native, the denominator,
stays until the last of them (under ``--schedule consecutive``, where no native run shares a
pair's rounds, each pair stops on its own mean). A pair's measured rounds are thus its own: their
count is its number of recorded runs, and its journal ``done`` record (the result's
``stop_reason``) says why it stopped.

A round in which any run was disturbed (``execution/interference.py``: it waited for a CPU)
is measured again once the group's rounds are over: a repeat round runs the same pairs under a new
round index, its runs naming the round they repeat (``repeat_of``), so the paired ratios can be
taken from undisturbed rounds. A disturbed repeat is a disturbed round like any other; at most
``--max-repeats`` rounds per group are repeated, which bounds what a loud neighbour costs. Repeats
follow the journal's ``done`` records, so a suite resumed after its rounds does not repeat them.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence

from tqdm import tqdm

from wasmbench.execution.interference import CpuCounters, disturbed_runs, with_evidence
from wasmbench.execution.layout import random_padding
from wasmbench.measuring.job import Job
from wasmbench.measuring.measurement import Status
from wasmbench.measuring.options import CONSECUTIVE, SuiteOptions
from wasmbench.measuring.plan import Pair, groups
from wasmbench.measuring.stopping import MAX_RUNS
from wasmbench.store.journal import Journal

TIMED_OUT = "timeout"
WARMUP = "warmup"


class Engine:
    """Runs a suite's pending groups through ``bind`` (pair -> ready job, or None when binding
    failed and the failure is journalled) and the journal."""

    def __init__(
        self,
        journal: Journal,
        options: SuiteOptions,
        bind: Callable[[Pair], Job | None],
        progress: bool = True,
    ) -> None:
        self.journal = journal
        self.options = options
        self.bind = bind
        self.current: Pair | None = None  # the pair being measured, for a harness error's message
        self._progress = tqdm(
            total=self._planned_runs(), unit="run", file=sys.stderr, dynamic_ncols=True, disable=not progress
        )

    def run(self) -> None:
        """Measure every pending group."""
        try:
            for pairs in groups(self.journal.pending()).values():
                self.run_pairs(pairs)
        finally:
            self._progress.close()

    def run_pairs(self, pairs: Sequence[Pair]) -> None:
        """Bind one group's pairs and run its rounds; the jobs exist only while it is measured."""
        jobs = [job for job in map(self._bind, pairs) if job is not None]
        try:
            self.run_group(jobs)
        finally:
            for job in jobs:
                job.close()

    def run_group(self, jobs: Sequence[Job]) -> None:
        if self.options.schedule == CONSECUTIVE:
            order = list(jobs)
            self._rng(jobs[0].pair.group if jobs else "", "pairs").shuffle(order)
            for job in order:
                self._rounds([job])
        else:
            self._rounds(list(jobs))

    def _rounds(self, jobs: list[Job]) -> None:
        active = [job for job in jobs if job.pair.key not in self.journal.done]
        for warmup in range(self.options.warmup if active else 0):
            active = self._round(
                active, round_index=None, rng=self._rng(active[0].pair.group, WARMUP, warmup)
            )
        while active := self._still_running(active):
            round_index = min(self._runs(job) for job in active)
            if round_index >= self.options.rounds:
                self._finish(active, MAX_RUNS if self.options.auto else "")
                break
            lacking = [job for job in active if self._runs(job) == round_index]
            active = self._round(lacking, round_index, self._rng(lacking[0].pair.group, round_index)) + [
                job for job in active if job not in lacking
            ]
        self._repeat_disturbed(jobs)

    def _repeat_disturbed(self, jobs: list[Job]) -> None:
        """Measure again, earliest first, each round of ``jobs`` in which a run was disturbed (a
        repeat too), until none is left or ``max_repeats`` rounds were repeated."""
        repeated: set[int] = set()
        for _ in range(self.options.max_repeats):
            participants, disturbed = self._rounds_of(jobs)
            candidates = sorted(disturbed - repeated)
            if not candidates:
                return
            repeat_of, round_index = candidates[0], max(participants) + 1
            repeated.add(repeat_of)
            again = [job for job in participants[repeat_of] if self.journal.done[job.pair.key] != TIMED_OUT]
            self._progress.total += len(again)
            self._round(again, round_index, self._rng(jobs[0].pair.group, round_index), repeat_of)

    def _rounds_of(self, jobs: list[Job]) -> tuple[dict[int, list[Job]], set[int]]:
        """The jobs that ran in each measured round, and the rounds in which a run was disturbed."""
        participants: dict[int, list[Job]] = {}
        disturbed = set()
        for job in jobs:
            runs = self.journal.runs.get(job.pair.key, [])
            for run, flagged in zip(runs, disturbed_runs(runs), strict=True):
                if run.round is not None:
                    participants.setdefault(run.round, []).append(job)
                    if flagged:
                        disturbed.add(run.round)
        return participants, disturbed

    def _still_running(self, jobs: list[Job]) -> list[Job]:
        """The jobs that go on to the next round; those the stop rule lets go are journalled done
        with its reason (native last, so a suite killed in between resumes with native running).
        Asked before every round, so a resumed suite first settles what its last round decided."""
        rule = self.options.stop_rule
        if rule is None:
            return jobs
        runs = {job.pair.key: self.journal.runs.get(job.pair.key, []) for job in jobs}
        baseline = next((job.pair.key for job in jobs if job.pair.is_baseline), None)
        stopping = rule.stopping(runs, baseline)
        for key, reason in stopping.items():
            self._done(Pair.from_key(key), reason)
        return [job for job in jobs if job.pair.key not in stopping]

    def _round(
        self, jobs: list[Job], round_index: int | None, rng: random.Random, repeat_of: int | None = None
    ) -> list[Job]:
        """Run each job once in a shuffled order, each run with the host's evidence of interference
        (read just outside it); return those still active (a timeout leaves the group's remaining
        rounds: every later run would spend the timeout too)."""
        order = list(jobs)
        rng.shuffle(order)
        still_active = []
        for position, job in enumerate(order):
            self.current = job.pair
            self._progress.set_description(job.pair.key)
            padding = (
                random_padding(rng) if self.options.layout_randomization and job.randomizes_layout else None
            )
            before = CpuCounters.read()
            measurement = job.run_once(padding)
            measurement = with_evidence(measurement, before, CpuCounters.read())
            measurement = measurement.with_run_context(round_index, position, padding, repeat_of)
            self._progress.update()
            timed_out = measurement.status is Status.TIMEOUT
            if round_index is not None or timed_out:
                self.journal.record_run(job.pair, measurement)
            if timed_out:
                self._done(job.pair, TIMED_OUT)
            else:
                still_active.append(job)
        self.current = None
        return [job for job in jobs if job in still_active]

    def _finish(self, jobs: list[Job], reason: str) -> None:
        for job in jobs:
            self._done(job.pair, reason)

    def _done(self, pair: Pair, reason: str) -> None:
        """Journal that ``pair`` needs no more runs; the progress bar no longer expects the rounds
        it will not take (under ``--runs auto`` most pairs stop well before ``--max-runs``)."""
        self.journal.record_done(pair, reason)
        self._progress.total -= max(0, self.options.rounds - len(self.journal.runs.get(pair.key, [])))
        self._progress.refresh()

    def _bind(self, pair: Pair) -> Job | None:
        self.current = pair
        self._progress.set_description(f"prepare {pair.key}")
        job = self.bind(pair)
        self.current = None
        return job

    def _runs(self, job: Job) -> int:
        return len(self.journal.runs.get(job.pair.key, []))

    def _rng(self, group: str, *stage: object) -> random.Random:
        """The generator of one round (or warmup round) of one group: the same on a resume."""
        return random.Random(":".join(map(str, (self.options.seed, group, *stage))))

    def _planned_runs(self) -> int:
        """Runs left at most (warmups included), for the progress bar."""
        pending = self.journal.pending()
        left = sum(max(0, self.options.rounds - len(self.journal.runs.get(pair.key, []))) for pair in pending)
        return left + self.options.warmup * len(pending)
