"""A benchmark suite: its plan and journal, the build, and binding each pair into a ready job.

``Suite.create`` resolves names (unknown ones are errors), notes unavailable runtimes with the
reason, plans and starts the journal; ``Suite.resume`` reopens an interrupted one. The measuring
loop itself is ``engine.Engine``; ``wasmbench run`` and the pytest adapter in ``benchmarks/`` both
drive it. Each suite creates one runner per runtime and closes them at its end.
"""

from __future__ import annotations

import random
import sys
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from wasmbench.build.adhoc import AdHocOptions, is_program_path
from wasmbench.build.checks import AnyOutput
from wasmbench.build.inputs import Inputs, InputStore
from wasmbench.build.manifest import MANIFEST_FILE, Workload, load_manifest, select_workloads, workloads_dir
from wasmbench.build.toolchain import Toolchain, resolve_target, unbuildable
from wasmbench.errors import WasmbenchError
from wasmbench.host.machine import machine_info
from wasmbench.measuring.engine import Engine
from wasmbench.measuring.job import Job, prepare_pair
from wasmbench.measuring.measurement import Measurement, OutputCheck, Status
from wasmbench.measuring.options import SuiteOptions
from wasmbench.measuring.plan import Pair, make_plan
from wasmbench.measuring.reference import ReferenceOutputs
from wasmbench.runtimes.emulation import parse_emulation
from wasmbench.runtimes.registry import create_runners, runner_for, select
from wasmbench.runtimes.runner import Mode, Runner, availability_of
from wasmbench.runtimes.versions import runner_key, split_version
from wasmbench.store.journal import Journal
from wasmbench.store.schema import INVOKE, RUN, Artefact, JournalHeader, PairInfo, RuntimeInfo, Skip, typed


class Suite:
    """A suite bound to its journal, with its own runners."""

    def __init__(self, journal: Journal, runners: dict[str, Runner] | None = None) -> None:
        self.journal = journal
        self.options = typed(SuiteOptions, journal.header.options, "the suite's options")
        self.manifest, _ = suite_workloads(self.options)
        self.toolchain = Toolchain(self.options.opt_level)
        self.inputs = InputStore()
        self.runners = runners or create_runners(parse_emulation(self.options.emulate))
        self.references = ReferenceOutputs(self.runners, self.toolchain, self.inputs, self.options.timeout_s)

    @classmethod
    def create(
        cls, options: SuiteOptions, journal_path: Path, benchmark: str = RUN, settings: dict | None = None
    ) -> Suite:
        """Check the options, resolve names, note unavailable runtimes, plan, start the journal
        (of ``benchmark``: ``wasmbench invoke`` passes its own and its ``settings``)."""
        options.check()
        options.seed = options.seed if options.seed is not None else random.randrange(2**32)
        _make_paths_absolute(options)
        manifest, names = suite_workloads(options)
        workloads = _with_sizes(select_workloads(manifest, names or None), options.sizes, named=bool(names))
        emulation = parse_emulation(options.emulate)
        runners = create_runners(emulation)
        runtime_modes, skipped, runtimes = [], [], {}
        for name, mode in select(options.runtimes, runners, options.all_modes, serving=benchmark == INVOKE):
            runner = runner_for(runners, name, mode)
            availability = availability_of(runner, split_version(mode)[0])
            if availability.available:
                runtime_modes.append((name, mode))
                runtimes[runner_key(name, split_version(mode)[1])] = RuntimeInfo(
                    runner.declaration.title, runner.version()
                )
            else:
                skipped.append(Skip(name, mode, availability.reason, availability.hint))
        _check_references(workloads, options.sizes, runners)
        lacking = _without_variant(workloads, runtime_modes, runners)
        skipped += [_variant_skip(runtime, mode, *missing) for (runtime, mode), missing in lacking.items()]
        unbuilt = _without_build(workloads, runtime_modes, runners)
        skipped += [
            Skip(runtime, mode, f"{', '.join(names)}: {reason}", workloads=names)
            for (runtime, mode, reason), names in unbuilt.items()
        ]
        excluded = {
            (runtime, mode, name) for (runtime, mode), (_, names) in lacking.items() for name in names
        } | {(runtime, mode, name) for (runtime, mode, _), names in unbuilt.items() for name in names}
        sizes = {workload.name: workload.sizes for workload in workloads}
        plan = [
            pair
            for pair in make_plan([w.name for w in workloads], options.sizes, runtime_modes, options.seed)
            if (pair.runtime, pair.mode, pair.workload) not in excluded and pair.size in sizes[pair.workload]
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
            benchmark=benchmark,
            settings=settings or {},
        )
        return cls(Journal.create(journal_path, header), runners)

    @classmethod
    def resume(cls, journal_path: Path, benchmark: str = RUN) -> Suite:
        """Continue a suite: its journal locked for this process (a torn last line cut off, which
        ``journal.repaired`` then says), its plan checked against today's manifest; a journal of
        another ``benchmark`` is refused with the command that continues it."""
        suite = cls(Journal.resume(journal_path))
        try:
            if (other := suite.journal.header.benchmark) != benchmark:
                raise WasmbenchError(
                    f"{journal_path} is a wasmbench {other} journal: wasmbench {other} --resume"
                )
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
            self._inputs(self.manifest[workload], size, variant or None)

    def engine(self, progress: bool = True) -> Engine:
        return Engine(self.journal, self.options, self.bind, progress)

    def bind(self, pair: Pair) -> Job | None:
        """The pair as a ready job; a failed preparation is journalled as the pair's one run."""
        runner = runner_for(self.runners, pair.runtime, pair.mode)
        workload = self.manifest[pair.workload]
        mode = self._mode(pair)
        variant = mode.variant
        try:
            prepared, inputs = prepare_pair(pair, runner, workload, self.toolchain, self.inputs)
            inputs = self._checked(workload, pair.size, inputs)
        except (WasmbenchError, OSError) as error:
            self.journal.record_run(pair, Measurement.failure(Status.ERROR, f"prepare failed: {error}"))
            self.journal.record_done(pair, "prepare failed")
            return None
        info = PairInfo(
            runtime_title=runner.declaration.title,
            runtime_version=runner.version(),
            runtime_origin=runner.origin(mode.declared),
            mode_flags=list(prepared.flags),
            args=list(workload.size(pair.size).args),
            artefact=typed(Artefact, prepared.artefact.describe(), "an artefact"),
            compiler=self.toolchain.describe(),
            prepare_ns=prepared.prepare_ns,
            prepare_cached=prepared.cached,
            **_validation_info(workload, pair.size, variant, inputs.check),
        )
        self.journal.record_pair(pair, info)
        return Job.bind(
            pair, runner, prepared, inputs, workload.size(pair.size).args, self.options.timeout_s, info
        )

    def _inputs(self, workload: Workload, size: str, variant: str | None) -> Inputs:
        return self._checked(workload, size, self.inputs.inputs(workload, size, variant))

    def _checked(self, workload: Workload, size: str, inputs: Inputs) -> Inputs:
        """The size's inputs with their check: a size checked against a reference run gets its
        output, made (once, at build time) by ``ReferenceOutputs``."""
        if isinstance(inputs.check, AnyOutput):
            return replace(inputs, check=self.references.check(workload, size))
        return inputs

    def _mode(self, pair: Pair) -> Mode:
        return self.runners[pair.runtime].declaration.mode(pair.mode)

    def close(self) -> None:
        """End of the suite (also after Ctrl-C): release every runner and the journal's lock."""
        for runner in list(self.runners.values()):
            runner.close()
        self.journal.close()


def suite_workloads(options: SuiteOptions) -> tuple[dict[str, Workload], list[str]]:
    """The suite's manifest (``--workloads DIR``'s, else the built-in one) with the programs of
    ``-w PATH`` added (``wasmbench.build.adhoc``), and the names ``-w`` selects (none: all)."""
    manifest = load_manifest(workloads_dir(options.workloads_dir) / MANIFEST_FILE)
    adhoc = AdHocOptions(
        args=tuple(options.args),
        native=options.native,
        reference=options.reference,
        expect_file=options.expect_file,
        expect_sha256=options.expect_sha256,
        expect_exit=options.expect_exit,
        inputs=tuple(options.inputs),
    )
    names, programs = [], 0
    for value in options.workloads:
        if not is_program_path(value, manifest):
            names.append(value)
            continue
        workload = adhoc.workload(value, options.sizes)
        if workload.name in manifest:
            raise WasmbenchError(
                f"-w {value}: its name {workload.name!r} is a workload of the suite already; rename it"
            )
        manifest[workload.name] = workload
        names.append(workload.name)
        programs += 1
    if adhoc.given and not programs:
        raise WasmbenchError(f"{', '.join(adhoc.given)}: only with -w PATH (a program of your own)")
    return manifest, names


def _with_sizes(workloads: list[Workload], sizes: list[str], named: bool) -> list[Workload]:
    """The workloads that have at least one of ``sizes`` (a suite's workloads may have only some);
    a workload named with -w that has none of them is an error, as is a suite left with none."""
    sized = [workload for workload in workloads if any(size in workload.sizes for size in sizes)]
    if named:
        for workload in workloads:
            if workload not in sized:
                workload.size(sizes[0])  # the error naming the sizes it has
    if not sized:
        raise WasmbenchError(f"no workload has the size {' or '.join(sizes)}")
    return sized


def _make_paths_absolute(options: SuiteOptions) -> None:
    """The paths a suite's options name, made absolute before the journal keeps them: ``--resume``
    from another folder finds the same files."""

    def absolute(path: str) -> str:
        return str(Path(path).absolute())

    if options.workloads_dir:
        options.workloads_dir = absolute(options.workloads_dir)
    manifest = load_manifest(workloads_dir(options.workloads_dir) / MANIFEST_FILE)
    options.workloads = [absolute(v) if is_program_path(v, manifest) else v for v in options.workloads]
    options.native = options.native and absolute(options.native)
    options.expect_file = options.expect_file and absolute(options.expect_file)
    options.inputs = [absolute(path) for path in options.inputs]


def _check_references(workloads: list[Workload], sizes: list[str], runners: dict[str, Runner]) -> None:
    """Every reference mode a size's check names exists, is available here and can run the workload."""
    for workload in workloads:
        for size in sizes:
            origin = workload.reference_mode(size) if size in workload.sizes else None
            if origin is None:
                continue
            [(runtime, mode)] = select([origin], runners)
            availability = availability_of(runners[runtime], mode)
            target = resolve_target(runners[runtime].declaration.mode(mode).target)
            if reason := availability.reason or unbuildable(workload, target):
                raise WasmbenchError(
                    f"workload {workload.name!r}: its reference {origin} cannot run here: {reason}"
                )


def _without_build(
    workloads: list[Workload], runtime_modes: list[tuple[str, str]], runners: dict[str, Runner]
) -> dict[tuple[str, str, str], list[str]]:
    """(runtime, mode, why) -> the workloads without a program for the mode's target: a prebuilt
    module without a native build skips the native and container modes."""
    missing: dict[tuple[str, str, str], list[str]] = {}
    for runtime, mode in runtime_modes:
        target = resolve_target(runners[runtime].declaration.mode(mode).target)
        for workload in workloads:
            if reason := unbuildable(workload, target):
                missing.setdefault((runtime, mode, reason), []).append(workload.name)
    return missing


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


def _validation_info(
    workload: Workload, size: str, variant: str | None, check: OutputCheck
) -> dict[str, str]:
    """What a pair records about how its output is judged: a variant's, or a reference run's check."""
    reference = {"validation": check.description} if workload.reference_mode(size) else {}
    return {**reference, **_variant_info(workload, variant, check)}


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
