"""The expected output of a size checked against a reference run (``check = "native"`` or
``"reference"``): what the reference mode prints, made once at build time and cached.

The reference run is a job like every measured one (same build, prepare step, staged inputs,
arguments and timeout), with a check that accepts any output with the expected exit status; its
stdout's digest and length then judge every run of the size in every mode. It is cached by
everything that could change it: the artefact, the mode, the runtime's version, the arguments
and the input files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from wasmbench.build.cache import cache_dir, content_key, file_sha256
from wasmbench.build.checks import ExpectedOutput
from wasmbench.build.inputs import Inputs, InputStore
from wasmbench.build.manifest import NATIVE_REFERENCE, Workload
from wasmbench.build.toolchain import Toolchain
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.job import Job
from wasmbench.runtimes.runner import Runner
from wasmbench.store.schema import Pair
from wasmbench.store.storage import write_atomically


class ReferenceOutputs:
    """The expected output of each (workload, size) checked against a reference run."""

    def __init__(
        self,
        runners: dict[str, Runner],
        toolchain: Toolchain,
        inputs: InputStore,
        timeout_s: float,
        root: Path | None = None,
    ) -> None:
        self.runners = runners
        self.toolchain = toolchain
        self.inputs = inputs
        self.timeout_s = timeout_s
        self.root = (root or cache_dir()) / "references"
        self._known: dict[tuple[str, str], ExpectedOutput] = {}

    def check(self, workload: Workload, size: str) -> ExpectedOutput:
        """The expected output of ``workload`` at ``size``, from its reference run (made on the
        first call, or found in the cache). A reference run that fails is an error: there is then
        nothing to judge the other modes' runs by."""
        if (workload.name, size) not in self._known:
            origin = workload.reference_mode(size)
            if origin is None:
                raise WasmbenchError(f"workload {workload.name!r}, size {size!r} has no reference run")
            self._known[workload.name, size] = self._expected(workload, size, origin)
        return self._known[workload.name, size]

    def _expected(self, workload: Workload, size: str, origin: str) -> ExpectedOutput:
        runtime, mode = origin.split(":")
        runner = self.runners[runtime]
        spec = workload.size(size)
        reference = runner.declaration.mode(mode)
        artefact = self.toolchain.build(workload, reference.target)
        inputs = self.inputs.inputs(workload, size)
        key = content_key(
            artefact.sha256,
            origin,
            json.dumps(runner.version(), sort_keys=True),
            json.dumps([*spec.args, spec.exit_code]),
            *_input_digests(inputs),
        )
        saved = self.root / f"{key[:20]}.json"
        if not saved.is_file():
            prepared = runner.prepare(artefact, reference.declared, cache_dir())
            job = Job.bind(
                Pair(workload.name, size, runtime, mode),
                runner,
                prepared,
                inputs,
                spec.args,
                self.timeout_s,
                None,
            )
            try:
                measurement = job.run_once(None)
                output = job.invocation.stdout.read_bytes() if job.invocation.stdout.exists() else b""
            finally:
                job.close()
            if not measurement.ok:
                raise WasmbenchError(
                    f"the reference run of {workload.name}/{size} under {origin} failed "
                    f"({measurement.status.value}: {measurement.detail}): "
                    "nothing to check the other modes against"
                )
            digest = {"sha256": hashlib.sha256(output).hexdigest(), "bytes": len(output)}
            write_atomically(saved, json.dumps(digest).encode(), "the reference output")
        expected = json.loads(saved.read_text())
        label = "the native build" if origin == NATIVE_REFERENCE else origin
        return ExpectedOutput(expected["sha256"], expected["bytes"], label, spec.exit_code)


def _input_digests(inputs: Inputs) -> list[str]:
    """Each staged input file's name and sha256."""
    files = [inputs.folder / name for name in inputs.files] if inputs.folder else []
    return [f"{path.name}:{file_sha256(path)}" for path in [*files, *inputs.extra]]
