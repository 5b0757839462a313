"""WAVM, through ``wavm run`` (LLVM-compiled at load, so one mode: ``jit``), found on PATH.

``--nocache`` keeps WAVM's object cache off, so every run compiles as a cold start does;
``--abi=wasi`` says what every workload is (WAVM guesses the ABI from the imports, and takes a
module that imports nothing for a bare one, which may not have a mounted directory).
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

    def mode_flags(self, mode: str) -> list[str]:
        return ["--abi=wasi", "--nocache"]

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [
            str(self.program.require()),
            "run",
            *self.mode_flags(prepared.mode),
            "--mount-root",
            str(invocation.workdir),
            str(prepared.path),
            *invocation.args,
        ]
