"""A benchmark suite: the plan, its journal, and measuring one pair through pytest-benchmark.

``benchmarks/`` holds the pytest side (options, parametrisation, hooks); this module holds what
it delegates to, so the same suite can be created by ``wasmbench run`` or by plain ``pytest``.
"""

from __future__ import annotations

import random
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from wasmbench.cache import cache_dir
from wasmbench.clock import MEASURED_CLOCK
from wasmbench.emulation import parse_emulation
from wasmbench.errors import WasmbenchError
from wasmbench.inputs import InputStore
from wasmbench.journal import Journal
from wasmbench.machine import machine_info
from wasmbench.manifest import SIZES, Workload, load_manifest, select_workloads
from wasmbench.measurement import Measurement, OutputCheck, Status, validate
from wasmbench.plan import Pair, make_plan
from wasmbench.results import journal_sections
from wasmbench.runner import Invocation, Prepared, Runner, RunOutcome, discover_runners, parse_runner_spec
from wasmbench.stopping import AUTO, MAX_RUNS, EnoughRuns, StopRule
from wasmbench.toolchain import Toolchain


@dataclass
class SuiteOptions:
    """What to measure and how; stored in the journal so ``--resume`` continues the same suite."""

    workloads: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=lambda: ["default"])
    runtimes: list[str] = field(default_factory=list)
    runs: int = 5
    warmup: int = 1
    timeout_s: float = 300.0
    seed: int | None = None
    opt_level: str = "O2"
    # --runs auto: measure each pair until its stop rule says enough, at most max_runs runs.
    auto: bool = False
    max_runs: int = 30
    max_time_s: float = 120.0
    ci_target: float = 0.02
    # --emulate ARCH: run that architecture's builds here under QEMU (see emulation.py).
    emulate: str | None = None

    @property
    def rounds(self) -> int:
        """Measured runs per pair: fixed, or the most ``--runs auto`` may take."""
        return self.max_runs if self.auto else self.runs

    @property
    def stop_rule(self) -> StopRule | None:
        return StopRule(self.ci_target, self.max_time_s) if self.auto else None

    def check(self) -> None:
        if self.rounds < 1:
            raise WasmbenchError(f"{'--max-runs' if self.auto else '--runs'} must be at least 1")
        if self.ci_target <= 0 or self.max_time_s <= 0:
            raise WasmbenchError("--ci-target and --max-time must be positive")
        if self.warmup < 0:
            raise WasmbenchError("--warmup cannot be negative")
        if self.timeout_s <= 0:
            raise WasmbenchError("--timeout must be a positive number of seconds")
        parse_emulation(self.emulate)
        unknown = [size for size in self.sizes if size not in SIZES]
        if unknown:
            raise WasmbenchError(f"unknown size {', '.join(unknown)} (known: {', '.join(SIZES)})")


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


class PairAbandoned(Exception):
    """A run timed out: the pair's remaining rounds would only time out too."""


class Suite:
    """A suite bound to its journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.options = SuiteOptions(**journal.header["options"])
        self.manifest = load_manifest()
        self.toolchain = Toolchain(self.options.opt_level)
        self.inputs = InputStore()
        self.emulation = parse_emulation(self.options.emulate)
        self.runners = {name: runner.emulated(self.emulation) for name, runner in discover_runners().items()}
        self._progress: tqdm | None = None

    @classmethod
    def create(cls, options: SuiteOptions, journal_path: Path) -> Suite:
        """Resolve names (unknown ones are errors), note unavailable runtimes, shuffle, journal."""
        options.check()
        options.seed = options.seed if options.seed is not None else random.randrange(2**32)
        workloads = select_workloads(load_manifest(), options.workloads or None)
        for workload in workloads:
            for size in options.sizes:
                workload.size(size)
        emulation = parse_emulation(options.emulate)
        runtime_modes, skipped, runtimes = [], [], {}
        for spec in options.runtimes or list(discover_runners()):
            shared, modes = parse_runner_spec(spec)
            runner = shared.emulated(emulation)
            for mode in modes:
                availability = runner.suite_availability(mode)
                if availability.available:
                    runtime_modes.append((runner.name, mode))
                    runtimes[runner.name] = {"title": runner.title, "version": runner.version()}
                else:
                    skipped.append(
                        {
                            "runtime": runner.name,
                            "mode": mode,
                            "reason": availability.reason,
                            "hint": availability.hint,
                        }
                    )
        lacking = _without_variant(workloads, runtime_modes)
        skipped += [_variant_skip(runtime, mode, *missing) for (runtime, mode), missing in lacking.items()]
        excluded = {
            (runtime, mode, name) for (runtime, mode), (_, names) in lacking.items() for name in names
        }
        toolchain = Toolchain(options.opt_level)
        plan = [
            pair
            for pair in make_plan([w.name for w in workloads], options.sizes, runtime_modes, options.seed)
            if (pair.runtime, pair.mode, pair.workload) not in excluded
        ]
        header = {
            "run_id": journal_path.stem,
            "started": datetime.now(UTC).isoformat(),
            "seed": options.seed,
            "options": asdict(options),
            "plan": [pair.key for pair in plan],
            "skipped": skipped,
            "toolchain": toolchain.describe(),
            "runtimes": runtimes,
            "machine_info": emulation.machine_info(machine_info()) if emulation else machine_info(),
        }
        return cls(Journal.create(journal_path, header))

    @classmethod
    def resume(cls, journal_path: Path) -> Suite:
        return cls(Journal.open(journal_path))

    @property
    def skipped(self) -> list[dict[str, str]]:
        return self.journal.header.get("skipped", [])

    def build(self, progress: bool = True) -> None:
        """Compile every artefact and make every input the pending pairs need (cached ones cost nothing)."""
        pending = self.journal.pending()
        needed = sorted(
            {
                (p.workload, self.runners[p.runtime].target_for(p.mode), self._variant(p) or "")
                for p in pending
            }
        )
        for workload, target, variant in tqdm(
            needed, desc="build", unit="artefact", disable=not progress, file=sys.stderr
        ):
            self.toolchain.build(self.manifest[workload].program(variant or None), target)
        for workload, size, variant in sorted(
            {(p.workload, p.size, self._variant(p) or "") for p in pending}
        ):
            self.inputs.inputs(self.manifest[workload], size, variant or None)

    def _variant(self, pair: Pair) -> str | None:
        return self.runners[pair.runtime].variant_for(pair.mode)

    def measure_pair(self, pair: Pair, benchmark: Any) -> list[Measurement]:
        """Prepare the pair, then run its remaining rounds through ``benchmark.pedantic``."""
        runner = self.runners[pair.runtime]
        workload = self.manifest[pair.workload]
        progress = self._progress_bar()
        progress.set_description(pair.key)
        done = len(self.journal.runs.get(pair.key, []))
        remaining = self.options.rounds - done
        try:
            variant = runner.variant_for(pair.mode)
            artefact = self.toolchain.build(workload.program(variant), runner.target_for(pair.mode))
            prepared = runner.prepare(artefact, pair.mode, cache_dir())
            inputs = self.inputs.inputs(workload, pair.size, variant)
        except (WasmbenchError, OSError) as error:
            self._fail_pair(pair, f"prepare failed: {error}")
            raise PairAbandoned(f"{pair.key}: prepare failed: {error}") from error
        info = self._pair_info(pair, runner, workload, prepared)
        self.journal.record_pair(pair, {**info, **_variant_info(workload, variant, inputs.check)})
        if remaining > 0:
            with tempfile.TemporaryDirectory(prefix="wasmbench-") as scratch:
                invocation = self._invocation(workload, pair, Path(scratch))
                inputs.stage(invocation.workdir)
                warmup = self.options.warmup if done == 0 else 0
                rounds = _RoundCounter(warmup)

                def measure_once() -> Measurement:
                    return self._measure_once(pair, runner, prepared, invocation, inputs.check, rounds)

                benchmark.group = f"{pair.workload}/{pair.size}"
                try:
                    benchmark.pedantic(measure_once, rounds=remaining, warmup_rounds=warmup, iterations=1)
                except EnoughRuns as stop:
                    self.journal.record_done(pair, str(stop))
                    return self.journal.runs[pair.key]
                except BaseException:
                    # pytest-benchmark marks only Exceptions; after Ctrl-C or SIGTERM it would try
                    # statistics of a pair with no rounds. The journal holds what was measured.
                    benchmark.has_error = True
                    raise
        self.journal.record_done(pair, MAX_RUNS if self.options.auto else "")
        return self.journal.runs[pair.key]

    def _measure_once(
        self,
        pair: Pair,
        runner: Runner,
        prepared: Prepared,
        invocation: Invocation,
        check: OutputCheck,
        rounds: _RoundCounter,
    ) -> Measurement:
        warmup = rounds.next_is_warmup()
        try:
            outcome = runner.run(prepared, invocation)
        except Exception as error:  # a runtime failing to start is a result, not a harness crash
            outcome = RunOutcome.failure(f"{type(error).__name__}: {error}")
        measurement = validate(outcome, invocation.stdout, invocation.stderr, check)
        MEASURED_CLOCK.advance(measurement.usage.wall_ns)
        self._progress_bar().update()
        if not warmup or measurement.status is Status.TIMEOUT:
            self.journal.record_run(pair, measurement)
        if measurement.status is Status.TIMEOUT:
            self.journal.record_done(pair, "timeout")
            raise PairAbandoned(f"{pair.key} timed out after {self.options.timeout_s:g} s")
        rule = self.options.stop_rule
        reason = rule.reason(self.journal.runs[pair.key]) if rule and not warmup else None
        if reason:
            raise EnoughRuns(reason)
        return measurement

    def _fail_pair(self, pair: Pair, detail: str) -> None:
        failure = Measurement.failure(Status.ERROR, detail)
        self.journal.record_run(pair, failure)
        self.journal.record_done(pair, detail)

    def _pair_info(self, pair: Pair, runner: Runner, workload: Workload, prepared: Prepared) -> dict:
        return {
            "runtime_title": runner.title,
            "runtime_version": runner.version(),
            "mode_flags": runner.mode_flags(pair.mode),
            "args": list(workload.size(pair.size).args),
            "artefact": prepared.artefact.describe(),
            "compiler": self.toolchain.describe(),
            "prepare_ns": prepared.prepare_ns,
            "prepare_cached": prepared.cached,
        }

    def _invocation(self, workload: Workload, pair: Pair, scratch: Path) -> Invocation:
        workdir, output = scratch / "work", scratch / "output"
        workdir.mkdir()
        output.mkdir()
        return Invocation(
            args=workload.size(pair.size).args,
            workdir=workdir,
            stdout=output / "stdout",
            stderr=output / "stderr",
            timeout_s=self.options.timeout_s,
        )

    def _progress_bar(self) -> tqdm:
        if self._progress is None:
            pending = self.journal.pending()
            total = sum(
                self.options.rounds
                - len(self.journal.runs.get(pair.key, []))
                + (self.options.warmup if not self.journal.runs.get(pair.key) else 0)
                for pair in pending
            )
            self._progress = tqdm(total=total, unit="run", file=sys.stderr, dynamic_ncols=True)
        return self._progress

    def close(self) -> None:
        """End of the suite (also after Ctrl-C): close the progress bar, release every runner."""
        if self._progress is not None:
            self._progress.close()
        for runner in self.runners.values():
            runner.close()

    def update_json(self, output_json: dict[str, Any]) -> None:
        """Replace pytest-benchmark's benchmarks with the journal's: all sessions, valid runs only."""
        output_json["benchmarks"], output_json["wasmbench"] = journal_sections(self.journal)

    def machine_info(self) -> dict[str, Any]:
        header = self.journal.header
        return {**header["machine_info"], "toolchain": header["toolchain"], "runtimes": header["runtimes"]}


def _without_variant(
    workloads: list[Workload], runtime_modes: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(runtime, mode) -> (variant, the workloads the mode cannot run): a mode that runs only a
    variant (``Runner.variant_for``) skips the workloads that do not have it."""
    runners = discover_runners()
    lacking = {}
    for runtime, mode in runtime_modes:
        variant = runners[runtime].variant_for(mode)
        names = [w.name for w in workloads if variant is not None and variant not in w.variants]
        if names:
            lacking[runtime, mode] = (str(variant), names)
    return lacking


def _variant_skip(runtime: str, mode: str, variant: str, workloads: list[str]) -> dict[str, Any]:
    """The ``skipped`` entry of a mode for the workloads without the variant it runs."""
    have = "has" if len(workloads) == 1 else "have"
    return {
        "runtime": runtime,
        "mode": mode,
        "workloads": workloads,
        "reason": f"runs only workloads with a {variant} variant; {', '.join(workloads)} {have} none",
        "hint": "",
    }


def _variant_info(workload: Workload, variant: str | None, check: OutputCheck) -> dict[str, str]:
    """What a pair that runs a variant records: which, how it differs, and how it was judged."""
    if variant is None:
        return {}
    return {
        "variant": variant,
        "variant_source": workload.variant(variant).source.name,
        "variant_summary": workload.variant(variant).summary,
        "validation": check.description,
    }


class _RoundCounter:
    """Tells warmup calls from measured ones: pytest-benchmark runs all warmups first."""

    def __init__(self, warmup: int) -> None:
        self.warmup_left = warmup

    def next_is_warmup(self) -> bool:
        if self.warmup_left > 0:
            self.warmup_left -= 1
            return True
        return False
