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

from wasmbench.build.toolchain import Artefact
from wasmbench.provision.runtimes import catalog_release
from wasmbench.runtimes.command_runner import CommandRunner, Program, compile_command
from wasmbench.runtimes.preparation import prepared
from wasmbench.runtimes.runner import Declaration, Invocation, Mode, Prepared

PROGRAM = Program("wavm", "wasmbench setup runtimes wavm, or a release from github.com/WAVM/WAVM/releases")


class WavmRunner(CommandRunner):
    declaration = Declaration(
        name="wavm",
        title="WAVM",
        modes=(
            Mode("jit", flags=("--abi=wasi", "--nocache"), source=PROGRAM),
            Mode("aot", flags=("--abi=wasi", "--precompiled"), source=PROGRAM),
        ),
        representative=("aot",),
        setup=catalog_release,
    )
    program = PROGRAM
    versions_pinned = True
    # e.g. "Runtime exception: wavm.reachedUnreachable" on stderr, before a long call stack
    trap = re.compile(r"Runtime exception: \S+")

    def version(self) -> dict[str, str]:
        return {"wavm": self.program.version("version")}

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        compile = self.compile_aot if mode == "aot" else None
        return prepared(self, artefact, mode, cache_root, compile, ".precompiled.wasm")

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [
            str(self.program.require()),
            "run",
            *prepared.flags,
            "--mount-root",
            str(invocation.workdir),
            str(prepared.path),
            *invocation.args,
        ]

    def compile_aot(self, source: Path, destination: Path) -> None:
        compile_command([str(self.program.require()), "compile", str(source), str(destination)], source.name)
