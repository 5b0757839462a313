"""The baseline: the compiled program run directly, one fresh process per measurement."""

from __future__ import annotations

import platform

from wasmbench.process import run_process
from wasmbench.runner import Availability, Invocation, Prepared, Runner, RunOutcome


class NativeRunner(Runner):
    name = "native"
    title = "native"
    target = "native"
    emulated_modes = frozenset({"default"})

    def availability(self) -> Availability:
        if platform.system() != "Linux":
            return Availability.no(
                f"native runs need Linux (posix_spawn, pidfd, wait4), not {platform.system()}"
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        libc, libc_version = platform.libc_ver()
        return {"kernel": platform.release(), "libc": f"{libc} {libc_version}".strip()}

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        # An empty environment, like the wasm modules get: nothing from the host tunes the run.
        result = run_process(
            [*self.command_prefix(), str(prepared.path), *invocation.args],
            cwd=invocation.workdir,
            stdout=invocation.stdout,
            stderr=invocation.stderr,
            timeout_s=invocation.timeout_s,
            env={},
        )
        return RunOutcome.from_process(result)
