"""The baseline: the compiled program run directly, one fresh process per measurement.

``default`` is the portable build (the architecture's baseline CPU, as a distribution ships it, and
the byte-identical binary the Docker modes run): the denominator of every ratio. ``host`` is the
same source built for this machine's CPU (``-mcpu=native``), the row that shows how close a runtime
compiling for the host gets to what this CPU can do.
"""

from __future__ import annotations

import platform

from wasmbench.execution.layout import layout_environment
from wasmbench.execution.process import run_process
from wasmbench.runtimes.runner import (
    HOST,
    NATIVE,
    Availability,
    Declaration,
    Invocation,
    Mode,
    Prepared,
    Runner,
    RunOutcome,
)


class NativeRunner(Runner):
    declaration = Declaration(
        name="native",
        title="native",
        modes=(Mode("default", NATIVE, emulable=True), Mode("host", HOST, flags=("-mcpu=native",))),
        representative=("default", "host"),
    )

    def availability(self, mode: str) -> Availability:
        if platform.system() != "Linux":
            return Availability.no(
                f"native runs need Linux (fork, wait4, process groups), not {platform.system()}"
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        libc, libc_version = platform.libc_ver()
        return {"kernel": platform.release(), "libc": f"{libc} {libc_version}".strip()}

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        # No environment but the layout padding, like the wasm modules get none: nothing from the
        # host tunes the run.
        result = run_process(
            [*invocation.launcher, str(prepared.path), *invocation.args],
            cwd=invocation.workdir,
            stdout=invocation.stdout,
            stderr=invocation.stderr,
            timeout_s=invocation.timeout_s,
            env=layout_environment(invocation.layout_padding),
            stdin=invocation.stdin,
        )
        return RunOutcome.from_process(result)
