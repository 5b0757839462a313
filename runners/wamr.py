"""WAMR (WebAssembly Micro Runtime), through ``iwasm``, with ``wamrc`` for AOT: the release
``setup runtimes`` installed, else on PATH.

``interpreter`` runs the ``.wasm`` in iwasm's interpreter (``--interp`` pins it when iwasm was
built with a JIT too). ``aot`` compiles the module with ``wamrc`` (LLVM; the *prepare* step,
timed and cached) into an ``.aot`` file, which iwasm recognises and runs natively.
Sandbox: ``--dir=.`` preopens the current directory, which is the run's working directory;
iwasm gives a module no host environment variable unless ``--env`` names it.
"""

from __future__ import annotations

import re
from pathlib import Path

from wasmbench.build.toolchain import Artefact
from wasmbench.provision.runtimes import catalog_release
from wasmbench.runtimes.command_runner import CommandRunner, Program, compile_command
from wasmbench.runtimes.preparation import prepared
from wasmbench.runtimes.runner import Availability, Declaration, Invocation, Mode, Prepared

SOURCE = "github.com/bytecodealliance/wasm-micro-runtime"
IWASM = Program("iwasm", f"wasmbench setup runtimes wamr (x86_64), or build iwasm from {SOURCE}")
WAMRC = Program("wamrc", f"wasmbench setup runtimes wamr (x86_64), or build wamrc from {SOURCE}")
# The release iwasm is built with its JITs, so its interpreter is the classic one, which has no SIMD
# (the fast interpreter's SIMD needs a build without JITs); AOT code runs SIMD.
INTERPRETER_NO_SIMD = (
    "iwasm's classic interpreter (the release build's) implements no SIMD; wamr:aot+simd runs it"
)


class WamrRunner(CommandRunner):
    declaration = Declaration(
        name="wamr",
        title="WAMR",
        modes=(
            Mode("interpreter", opt_in=True, source=IWASM, no_simd=INTERPRETER_NO_SIMD),
            Mode("aot", source=IWASM),
        ),
        representative=("aot",),
        setup=catalog_release,
    )
    program = IWASM
    # iwasm prints e.g. "Exception: unreachable"
    trap = re.compile(r"Exception: .+")

    def availability(self, mode: str) -> Availability:
        availability = IWASM.availability()
        if mode == "aot" and availability.available:
            return WAMRC.availability()
        return availability

    def version(self) -> dict[str, str]:
        versions = {"iwasm": IWASM.version()}
        if WAMRC.locate() is not None:
            versions["wamrc"] = WAMRC.version()
        return versions

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        if mode == "aot":
            return prepared(self, artefact, mode, cache_root, compile_aot, ".aot")
        # ``--interp`` pins the interpreter where iwasm was built with a JIT too.
        interp = ["--interp"] if "--interp" in IWASM.output("--help") else []
        return prepared(self, artefact, mode, cache_root, flags=interp)

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [str(IWASM.require()), *prepared.flags, "--dir=.", str(prepared.path), *invocation.args]


def compile_aot(source: Path, destination: Path) -> None:
    compile_command([str(WAMRC.require()), "-o", str(destination), str(source)], source.name)
