"""A benchmark suite: its plan and journal, the build, and binding each pair into a ready job.

``Suite.create`` resolves names (unknown ones are errors), notes unavailable runtimes with the
reason, plans and starts the journal; ``Suite.resume`` reopens an interrupted one. The measuring
loop itself is ``engine.Engine``; ``wasmbench run`` and the pytest adapter in ``benchmarks/`` both
drive it. Each suite creates one runner per runtime and closes them at its end.
"""

from __future__ import annotations

import random
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from wasmbench.build.cache import cache_dir
from wasmbench.build.inputs import InputStore
from wasmbench.build.manifest import Workload, load_manifest, select_workloads
from wasmbench.build.toolchain import Toolchain
from wasmbench.errors import WasmbenchError
from wasmbench.host.machine import machine_info
from wasmbench.measuring.engine import Engine
from wasmbench.measuring.job import Job
from wasmbench.measuring.measurement import Measurement, OutputCheck, Status
from wasmbench.measuring.options import SuiteOptions
from wasmbench.measuring.plan import Pair, make_plan
from wasmbench.runtimes.emulation import parse_emulation
from wasmbench.runtimes.registry import create_runners, runner_for, select
from wasmbench.runtimes.runner import Mode, Runner
from wasmbench.runtimes.versions import runner_key, split_version
from wasmbench.store.journal import Journal
from wasmbench.store.schema import Artefact, JournalHeader, PairInfo, RuntimeInfo, Skip, typed


class Suite:
    """A suite bound to its journal, with its own runners."""

    def __init__(self, journal: Journal, runners: dict[str, Runner] | None = None) -> None:
        self.journal = journal
        self.options = typed(SuiteOptions, journal.header.options, "the suite's options")
        self.manifest = load_manifest()
        self.toolchain = Toolchain(self.options.opt_level)
        self.inputs = InputStore()
        self.runners = runners or create_runners(parse_emulation(self.options.emulate))

    @classmethod
    def create(cls, options: SuiteOptions, journal_path: Path) -> Suite:
        """Check the options, resolve names, note unavailable runtimes, plan, start the journal."""
        options.check()
        options.seed = options.seed if options.seed is not None else random.randrange(2**32)
        workloads = select_workloads(load_manifest(), options.workloads or None)
        for workload in workloads:
            for size in options.sizes:
                workload.size(size)
        emulation = parse_emulation(options.emulate)
        runners = create_runners(emulation)
        runtime_modes, skipped, runtimes = [], [], {}
        for name, mode in select(options.runtimes, runners, options.all_modes):
            runner = runner_for(runners, name, mode)
            availability = runner.availability(split_version(mode)[0])
            if availability.available:
                runtime_modes.append((name, mode))
                runtimes[runner_key(name, split_version(mode)[1])] = RuntimeInfo(
                    runner.declaration.title, runner.version()
                )
            else:
                skipped.append(Skip(name, mode, availability.reason, availability.hint))
        lacking = _without_variant(workloads, runtime_modes, runners)
        skipped += [_variant_skip(runtime, mode, *missing) for (runtime, mode), missing in lacking.items()]
        excluded = {
            (runtime, mode, name) for (runtime, mode), (_, names) in lacking.items() for name in names
        }
        plan = [
            pair
            for pair in make_plan([w.name for w in workloads], options.sizes, runtime_modes, options.seed)
            if (pair.runtime, pair.mode, pair.workload) not in excluded
        ]
        header = JournalHeader(
            run_id=journal_path.stem,
            started=datetime.now(UTC).isoformat(),
            seed=options.seed,
            options=asdict(options),
            plan=[pair.key for pair in plan],
            skipped=skipped,
            toolchain=Toolchain(options.opt_level).describe(),
            runtimes=runtimes,
            machine_info=emulation.machine_info(machine_info()) if emulation else machine_info(),
        )
        return cls(Journal.create(journal_path, header), runners)

    @classmethod
    def resume(cls, journal_path: Path) -> Suite:
        """Continue a suite: its journal locked for this process (a torn last line cut off, which
        ``journal.repaired`` then says), its plan checked against today's manifest."""
        suite = cls(Journal.resume(journal_path))
        try:
            suite.check_plan()
        except WasmbenchError:
            suite.journal.close()
            raise
        return suite

    def check_plan(self) -> None:
        """A suite whose workloads or sizes have left the manifest cannot continue: say which."""
        for pair in self.journal.pending():
            if pair.workload not in self.manifest:
                raise WasmbenchError(
                    f"{self.journal.path}: workload {pair.workload!r} is no longer in the manifest; "
                    "the suite cannot be resumed (report what it measured: wasmbench report "
                    f"{self.journal.path})"
                )
            self.manifest[pair.workload].size(pair.size)

    @property
    def skipped(self) -> list[Skip]:
        return self.journal.header.skipped

    def build(self, progress: bool = True) -> None:
        """Compile every artefact and make every input the pending pairs need (cached ones cost nothing)."""
        pending = self.journal.pending()
        needed = sorted({(p.workload, self._mode(p).target, self._mode(p).variant or "") for p in pending})
        for workload, target, variant in tqdm(
            needed, desc="build", unit="artefact", disable=not progress, file=sys.stderr
        ):
            self.toolchain.build(self.manifest[workload].program(variant or None), target)
        for workload, size, variant in sorted(
            {(p.workload, p.size, self._mode(p).variant or "") for p in pending}
        ):
            self.inputs.inputs(self.manifest[workload], size, variant or None)

    def engine(self, progress: bool = True) -> Engine:
        return Engine(self.journal, self.options, self.bind, progress)

    def bind(self, pair: Pair) -> Job | None:
        """The pair as a ready job; a failed preparation is journalled as the pair's one run."""
        runner = runner_for(self.runners, pair.runtime, pair.mode)
        workload = self.manifest[pair.workload]
        mode = self._mode(pair)
        variant = mode.variant
        try:
            artefact = self.toolchain.build(workload.program(variant), mode.target)
            prepared = runner.prepare(artefact, mode.name, cache_dir())
            inputs = self.inputs.inputs(workload, pair.size, variant)
        except (WasmbenchError, OSError) as error:
            self.journal.record_run(pair, Measurement.failure(Status.ERROR, f"prepare failed: {error}"))
            self.journal.record_done(pair, "prepare failed")
            return None
        info = PairInfo(
            runtime_title=runner.declaration.title,
            runtime_version=runner.version(),
            runtime_origin=runner.origin(mode.name),
            mode_flags=list(prepared.flags),
            args=list(workload.size(pair.size).args),
            artefact=typed(Artefact, prepared.artefact.describe(), "an artefact"),
            compiler=self.toolchain.describe(),
            prepare_ns=prepared.prepare_ns,
            prepare_cached=prepared.cached,
            **_variant_info(workload, variant, inputs.check),
        )
        self.journal.record_pair(pair, info)
        return Job.bind(
            pair, runner, prepared, inputs, workload.size(pair.size).args, self.options.timeout_s, info
        )

    def _mode(self, pair: Pair) -> Mode:
        return self.runners[pair.runtime].declaration.mode(pair.mode)

    def close(self) -> None:
        """End of the suite (also after Ctrl-C): release every runner and the journal's lock."""
        for runner in list(self.runners.values()):
            runner.close()
        self.journal.close()


def _without_variant(
    workloads: list[Workload], runtime_modes: list[tuple[str, str]], runners: dict[str, Runner]
) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(runtime, mode) -> (variant, the workloads the mode cannot run): a mode that runs only a
    variant (``Mode.variant``) skips the workloads that do not have it."""
    lacking = {}
    for runtime, mode in runtime_modes:
        variant = runners[runtime].declaration.mode(mode).variant
        names = [w.name for w in workloads if variant is not None and variant not in w.variants]
        if names:
            lacking[runtime, mode] = (str(variant), names)
    return lacking


def _variant_skip(runtime: str, mode: str, variant: str, workloads: list[str]) -> Skip:
    """The ``skipped`` entry of a mode for the workloads without the variant it runs."""
    have = "has" if len(workloads) == 1 else "have"
    reason = f"runs only workloads with a {variant} variant; {', '.join(workloads)} {have} none"
    return Skip(runtime, mode, reason, workloads=workloads)


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
