"""WAVM, through ``wavm run`` (LLVM-compiled at load, so one mode: ``jit``), found on PATH.

Sandbox: ``--mount-root <workdir>`` makes the working directory the module's whole file system
(preopened as ``/``); WAVM gives a module no host environment variable.
"""

from __future__ import annotations

from wasmbench.command_runner import CommandRunner, Program
from wasmbench.runner import Invocation, Prepared
from wasmbench.toolchain import WASM_TARGET


class WavmRunner(CommandRunner):
    name = "wavm"
    title = "WAVM"
    target = WASM_TARGET
    modes = ("jit",)
    program = Program("wavm", "a release from github.com/WAVM/WAVM/releases")

    def version(self) -> dict[str, str]:
        return {"wavm": self.program.version("version")}

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [
            str(self.program.require()),
            "run",
            "--mount-root",
            str(invocation.workdir),
            str(prepared.path),
            *invocation.args,
        ]
