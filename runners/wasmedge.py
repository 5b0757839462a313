"""WasmEdge (formerly SSVM), through its ``wasmedge`` command-line program.

``interpreter`` runs the ``.wasm`` in WasmEdge's interpreter. ``jit`` compiles it with LLVM as it
loads, every run (``--run-mode=jit``, offered by WasmEdge 0.17 and later in a build with LLVM).
``aot`` first compiles it with ``wasmedge compile`` (LLVM; the *prepare* step, timed and cached)
into a universal wasm file — the module with its native code in a custom section — and runs that
file. Every mode names its run mode on the command line: WasmEdge runs a compiled file in the
interpreter without a word when its native section does not load, or, in recent versions, unless
``--run-mode=aot`` asks for the native code, so without the flag ``aot`` could silently measure the
interpreter.

The program is the release ``setup runtimes`` installed, else on PATH, else in
``$WASMEDGE_DIR/bin`` or ``~/.wasmedge/bin`` (where the official installer puts it, with its
libraries in the ``lib`` folder beside ``bin``).
Sandbox: the working directory is preopened as ``.`` (``--dir .:<workdir>``: WasmEdge writes the
guest path first); WasmEdge gives a module no host environment variable unless ``--env`` names it.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from pathlib import Path

from wasmbench.build.toolchain import WASM_TARGET
from wasmbench.errors import WasmbenchError
from wasmbench.runtimes.command_runner import CommandRunner, Program, compile_command
from wasmbench.runtimes.runner import Availability, Invocation, Prepared

EMPTY_MODULE = b"\0asm\1\0\0\0"
# (module (func (export "_start"))): what a run mode must be able to run.
START_MODULE = EMPTY_MODULE + bytes.fromhex("010401600000 03020100 070a01065f737461727400 00 0a040102000b")
INSTALL_HINT = "wasmbench setup runtimes wasmedge"
JIT_VERSION = "WasmEdge 0.17 or later, built with LLVM"


def wasmedge_program() -> Program:
    """``wasmedge``, with ``$WASMEDGE_DIR`` read at each look-up so a changed variable counts."""
    installs = [Path(os.environ["WASMEDGE_DIR"])] if os.environ.get("WASMEDGE_DIR") else []
    installs.append(Path.home() / ".wasmedge")
    return Program("wasmedge", INSTALL_HINT, tuple(install / "bin" for install in installs))


def run_mode_flags(mode: str, help_text: str) -> list[str]:
    """The flag that pins ``mode`` in a WasmEdge whose ``--help`` reads ``help_text``: versions with
    ``--run-mode`` take it for every mode; older ones have only ``--force-interpreter`` and run
    a compiled file's native code by default."""
    # WasmEdge logs to stdout, the module's own output: compile progress and warnings (0.17's
    # "Exception Handling is not yet supported in AOT/JIT") would fail every run's check.
    quiet = ["--log-level=error"] if "--log-level" in help_text else []
    if "--run-mode" in help_text:
        return [f"--run-mode={mode}", *quiet]
    return ["--force-interpreter", *quiet] if mode == "interpreter" else quiet


@functools.cache
def compiler_failure(wasmedge: Path) -> str | None:
    """Why ``wasmedge compile`` fails here (a build without LLVM has the command but cannot
    compile), found by compiling an empty module; None when it works."""
    with tempfile.TemporaryDirectory(prefix="wasmbench-wasmedge-") as folder:
        empty = Path(folder) / "empty.wasm"
        empty.write_bytes(EMPTY_MODULE)
        try:
            compile_command(
                [str(wasmedge), "compile", str(empty), f"{folder}/empty.aot.wasm"], "an empty module"
            )
        except WasmbenchError as error:
            return str(error)
    return None


@functools.cache
def jit_failure(wasmedge: Path, help_text: str) -> str | None:
    """Why ``--run-mode=jit`` does not work here (not offered by ``--help``, or failing on a module
    with an empty ``_start``); None when it works."""
    if "--run-mode" not in help_text or "jit" not in help_text:
        return f"this wasmedge offers no --run-mode=jit (its --help does not; {JIT_VERSION})"
    with tempfile.TemporaryDirectory(prefix="wasmbench-wasmedge-") as folder:
        probe = Path(folder) / "start.wasm"
        probe.write_bytes(START_MODULE)
        try:
            compile_command([str(wasmedge), "--run-mode=jit", str(probe)], "a module in jit mode")
        except WasmbenchError as error:
            return f"this wasmedge cannot run jit: {error}"
    return None


class WasmEdgeRunner(CommandRunner):
    name = "wasmedge"
    title = "WasmEdge (SSVM)"
    target = WASM_TARGET
    modes = ("interpreter", "jit", "aot")
    # WasmEdge logs to stdout: "[error] execution failed: unreachable, Code: 0x40a"
    trap = re.compile(r"execution failed: [^,\n]+")
    opt_in_modes = frozenset({"interpreter"})
    prepared_modes = frozenset({"aot"})
    prepared_suffix = ".aot.wasm"

    @property
    def program(self) -> Program:  # type: ignore[override]
        return wasmedge_program()

    def mode_availability(self, mode: str) -> Availability:
        availability = self.availability()
        if not availability.available or mode == "interpreter":
            return availability
        wasmedge = self.program.require()
        if mode == "jit":
            failure = jit_failure(wasmedge, self.program.output("--help"))
            return Availability.no(failure, INSTALL_HINT) if failure else availability
        failure = compiler_failure(wasmedge)
        if failure is not None:
            return Availability.no(f"this wasmedge cannot compile ahead of time: {failure}", INSTALL_HINT)
        return availability

    def version(self) -> dict[str, str]:
        # It answers "<the path it was started by> version 0.16.0".
        return {"wasmedge": self.program.version(after=" version ")}

    def mode_flags(self, mode: str) -> list[str]:
        return run_mode_flags(mode, self.program.output("--help"))

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        wasmedge = str(self.program.require())
        compile_command([wasmedge, "compile", str(source), str(destination)], source.name)

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [
            str(self.program.require()),
            *self.mode_flags(prepared.mode),
            "--dir",
            f".:{invocation.workdir}",
            str(prepared.path),
            *invocation.args,
        ]
