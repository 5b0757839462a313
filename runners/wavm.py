"""WAVM, through ``wavm run``: ``jit`` compiles the module with LLVM at load, every run; ``aot``
runs what ``wavm compile`` made ahead of time (the *prepare* step, timed and cached: the module
with its object code in a ``wavm.precompiled_object`` section) with ``--precompiled``.

``--nocache`` keeps WAVM's object cache off in ``jit``, so every run compiles as a cold start does;
``--abi=wasi`` says what every workload is (WAVM guesses the ABI from the imports, and takes a
module that imports nothing for a bare one, which may not have a mounted directory).
Sandbox: ``--mount-root <workdir>`` makes the working directory the module's whole file system
(preopened as ``/``); WAVM gives a module no host environment variable.
The program is the release ``setup runtimes`` installed, else the one on PATH.
"""

from __future__ import annotations

import re
from pathlib import Path

from wasmbench.build.toolchain import WASM_TARGET
from wasmbench.runtimes.command_runner import CommandRunner, Program, compile_command
from wasmbench.runtimes.runner import Invocation, Prepared

MODE_FLAGS = {"jit": ["--abi=wasi", "--nocache"], "aot": ["--abi=wasi", "--precompiled"]}


class WavmRunner(CommandRunner):
    name = "wavm"
    title = "WAVM"
    target = WASM_TARGET
    modes = tuple(MODE_FLAGS)
    # e.g. "Runtime exception: wavm.reachedUnreachable" on stderr, before a long call stack
    trap = re.compile(r"Runtime exception: \S+")
    prepared_modes = frozenset({"aot"})
    prepared_suffix = ".precompiled.wasm"
    program = Program(
        "wavm", "wasmbench setup runtimes wavm, or a release from github.com/WAVM/WAVM/releases"
    )

    def version(self) -> dict[str, str]:
        return {"wavm": self.program.version("version")}

    def mode_flags(self, mode: str) -> list[str]:
        return MODE_FLAGS[mode]

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        compile_command([str(self.program.require()), "compile", str(source), str(destination)], source.name)

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
