"""A pair bound once, before its first run, into a ready job.

Binding does everything a pair needs that is not the measured run: the build artefact, the
runtime's prepare step (e.g. AOT compilation, timed and cached), the input files staged in the
job's own working directory, the arguments and the output check. The measuring loop then only
runs, validates and journals, and never walks back to the manifest, the inputs or the toolchain.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from wasmbench.build.inputs import Inputs
from wasmbench.execution.scratch import scratch_folder
from wasmbench.measuring.measurement import Measurement, OutputCheck, validate
from wasmbench.measuring.plan import Pair
from wasmbench.runtimes.runner import Invocation, Prepared, Runner, RunOutcome
from wasmbench.store.schema import PairInfo


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
        """Stage the inputs in a new scratch folder: ``work/`` (all a module may see) and
        ``output/`` (stdout and stderr, outside its sight)."""
        scratch = scratch_folder(pair.workload)
        workdir, output = Path(scratch.name) / "work", Path(scratch.name) / "output"
        workdir.mkdir()
        output.mkdir()
        inputs.stage(workdir)
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
        """One run, validated. A runtime that fails to start is a result (``error``), not a crash of
        the harness."""
        invocation = replace(self.invocation, layout_padding=layout_padding)
        invocation.stdout.unlink(missing_ok=True)
        invocation.stderr.unlink(missing_ok=True)
        try:
            outcome = self.runner.run(self.prepared, invocation)
        except Exception as error:
            outcome = RunOutcome.failure(f"{type(error).__name__}: {error}")
        return validate(outcome, invocation.stdout, invocation.stderr, self.check)

    def close(self) -> None:
        self.scratch.cleanup()
