"""A pair bound once, before its first run, into a ready job.

Binding does everything a pair needs that is not the measured run: the build artefact, the
runtime's prepare step (e.g. AOT compilation, timed and cached), the input files staged in the
job's own working directory, the arguments and the output check. The measuring loop then only
runs, validates and journals, and never walks back to the manifest, the inputs or the toolchain.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from wasmbench.build.cache import cache_dir
from wasmbench.build.inputs import Inputs, InputStore
from wasmbench.build.manifest import Workload
from wasmbench.build.toolchain import Toolchain
from wasmbench.execution.scratch import scratch_folder
from wasmbench.measuring.measurement import Measurement, OutputCheck, validate
from wasmbench.measuring.plan import Pair
from wasmbench.runtimes.runner import Invocation, Prepared, Runner, RunOutcome
from wasmbench.store.schema import PairInfo


def prepare_pair(
    pair: Pair, runner: Runner, workload: Workload, toolchain: Toolchain, store: InputStore
) -> tuple[Prepared, Inputs]:
    """The pair's artefact built (the variant its mode runs, for its target) and prepared for its
    mode, and its inputs at its size: everything a run needs that comes from the build step."""
    mode = runner.declaration.mode(pair.mode)
    artefact = toolchain.build(workload.program(mode.variant), mode.target)
    prepared = runner.prepare(artefact, mode.declared, cache_dir())
    return prepared, store.inputs(workload, pair.size, mode.variant)


def staged_folder(purpose: str, inputs: Inputs) -> tuple[tempfile.TemporaryDirectory, Path, Path]:
    """A new scratch folder, its ``work/`` folder holding the staged inputs (all a module may see)
    and its ``output/`` folder (for the standard streams, outside the module's sight)."""
    scratch = scratch_folder(purpose)
    workdir, output = Path(scratch.name) / "work", Path(scratch.name) / "output"
    workdir.mkdir()
    output.mkdir()
    inputs.stage(workdir)
    return scratch, workdir, output


def run_validated(
    run: Callable[[Invocation], RunOutcome], invocation: Invocation, check: OutputCheck
) -> Measurement:
    """One run (or served invocation) into fresh output files, validated. A runtime that fails to
    start is a result (``error``), not a crash of the harness."""
    invocation.stdout.unlink(missing_ok=True)
    invocation.stderr.unlink(missing_ok=True)
    try:
        outcome = run(invocation)
    except Exception as error:
        outcome = RunOutcome.failure(f"{type(error).__name__}: {error}")
    return validate(outcome, invocation.stdout, invocation.stderr, check)


@dataclass
class Job:
    """A bound pair: what runs, where, with which arguments, and how its output is judged.

    ``info`` is what the journal records about the pair (runtime version, artefact, prepare time);
    None for a reference run, which makes the expected output and is not a measurement.
    The job owns its scratch folder (``close`` removes it; ``wasmbench.execution.scratch`` sweeps
    those of a killed harness).
    """

    pair: Pair
    runner: Runner
    prepared: Prepared
    check: OutputCheck
    invocation: Invocation
    info: PairInfo | None
    scratch: tempfile.TemporaryDirectory = field(repr=False)

    @classmethod
    def bind(
        cls,
        pair: Pair,
        runner: Runner,
        prepared: Prepared,
        inputs: Inputs,
        args: tuple[str, ...],
        timeout_s: float,
        info: PairInfo | None,
    ) -> Job:
        """Stage the inputs in a new scratch folder (``staged_folder``)."""
        scratch, workdir, output = staged_folder(pair.workload, inputs)
        invocation = Invocation(
            args=args,
            workdir=workdir,
            stdout=output / "stdout",
            stderr=output / "stderr",
            timeout_s=timeout_s,
        )
        return cls(pair, runner, prepared, inputs.check, invocation, info, scratch)

    @property
    def randomizes_layout(self) -> bool:
        """Whether the mode's runs take the layout padding (``Mode.layout_padding``)."""
        return self.runner.declaration.mode(self.pair.mode).layout_padding

    def run_once(self, layout_padding: int | None) -> Measurement:
        """One run, validated (``run_validated``)."""
        invocation = replace(self.invocation, layout_padding=layout_padding)
        return run_validated(partial(self.runner.run, self.prepared), invocation, self.check)

    def close(self) -> None:
        self.scratch.cleanup()
