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

from wasmbench.build.toolchain import WASM_TARGET
from wasmbench.runtimes.command_runner import CommandRunner, Program, compile_command
from wasmbench.runtimes.runner import Availability, Invocation, Prepared

SOURCE = "github.com/bytecodealliance/wasm-micro-runtime"
IWASM = Program("iwasm", f"wasmbench setup runtimes wamr (x86_64), or build iwasm from {SOURCE}")
WAMRC = Program("wamrc", f"wasmbench setup runtimes wamr (x86_64), or build wamrc from {SOURCE}")


class WamrRunner(CommandRunner):
    name = "wamr"
    title = "WAMR"
    target = WASM_TARGET
    modes = ("interpreter", "aot")
    # iwasm prints e.g. "Exception: unreachable"
    trap = re.compile(r"Exception: .+")
    opt_in_modes = frozenset({"interpreter"})
    prepared_modes = frozenset({"aot"})
    prepared_suffix = ".aot"
    program = IWASM

    def mode_availability(self, mode: str) -> Availability:
        availability = self.availability()
        if mode == "aot" and availability.available:
            return WAMRC.availability()
        return availability

    def version(self) -> dict[str, str]:
        versions = {"iwasm": IWASM.version()}
        if WAMRC.locate() is not None:
            versions["wamrc"] = WAMRC.version()
        return versions

    def mode_flags(self, mode: str) -> list[str]:
        return ["--interp"] if mode == "interpreter" and "--interp" in IWASM.output("--help") else []

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        compile_command([str(WAMRC.require()), "-o", str(destination), str(source)], source.name)

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [
            str(IWASM.require()),
            *self.mode_flags(prepared.mode),
            "--dir=.",
            str(prepared.path),
            *invocation.args,
        ]
