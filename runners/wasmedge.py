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

Served warm (``serve``), every mode keeps the module loaded, validated and (``jit``: at the
host's start) compiled in a host process that calls WasmEdge's C API (``wasmedge_host``, through
ctypes on the ``libwasmedge.so`` of the release the program belongs to: its ``lib64`` or ``lib``
folder), with a fresh WASI context and module instance per invocation. Where the library is not
there, ``serve`` says so and the modes are served cold.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.provision.runtimes import catalog_release
from wasmbench.runtimes.command_runner import CommandRunner, Program, compile_command
from wasmbench.runtimes.preparation import prepared
from wasmbench.runtimes.runner import Availability, Declaration, Invocation, Mode, Prepared, ServedModule
from wasmbench.serving.channel import HostProcess, host_argv

EMPTY_MODULE = b"\0asm\1\0\0\0"
# (module (func (export "_start"))): what a run mode must be able to run.
START_MODULE = EMPTY_MODULE + bytes.fromhex("010401600000 03020100 070a01065f737461727400 00 0a040102000b")
INSTALL_HINT = "wasmbench setup runtimes wasmedge"
JIT_VERSION = "WasmEdge 0.17 or later, built with LLVM"
LIBRARY = "libwasmedge.so"
HOST_MODULE = "wasmbench.runners.wasmedge_host"


# ``$WASMEDGE_DIR`` is read at each look-up, so a changed variable counts.
PROGRAM = Program("wasmedge", INSTALL_HINT, ("$WASMEDGE_DIR/bin", "~/.wasmedge/bin"))


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
    # Each mode's flags depend on the installed version (``run_mode_flags``): ``prepare`` reads them.
    declaration = Declaration(
        name="wasmedge",
        title="WasmEdge (SSVM)",
        modes=(
            Mode("interpreter", opt_in=True, source=PROGRAM, warm=True),
            Mode("jit", source=PROGRAM, warm=True),
            Mode("aot", source=PROGRAM, warm=True),
        ),
        representative=("aot",),
        setup=catalog_release,
    )
    program = PROGRAM
    versions_pinned = True
    # WasmEdge logs to stdout: "[error] execution failed: unreachable, Code: 0x40a"
    trap = re.compile(r"execution failed: [^,\n]+")

    def availability(self, mode: str) -> Availability:
        availability = self.program.availability()
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

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        flags = run_mode_flags(mode, self.program.output("--help"))
        compile = self.compile_aot if mode == "aot" else None
        return prepared(self, artefact, mode, cache_root, compile, ".aot.wasm", flags)

    def serve(self, prepared: Prepared) -> ServedModule:
        """A warm host (``wasmedge_host``) holding ``prepared`` loaded through WasmEdge's C API."""
        found = library(self.program.locate())
        if found is None:
            raise WasmbenchError(
                f"the warm WasmEdge host needs {LIBRARY} in the lib64 or lib folder beside the wasmedge"
                f" program, and there is none (install a release: {INSTALL_HINT})"
            )
        argv = host_argv(HOST_MODULE, found, prepared.path, prepared.mode, prepared.artefact.workload)
        return HostProcess(argv, name="wasmedge")

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [
            str(self.program.require()),
            *prepared.flags,
            "--dir",
            f".:{invocation.workdir}",
            str(prepared.path),
            *invocation.args,
        ]

    def compile_aot(self, source: Path, destination: Path) -> None:
        compile_command([str(self.program.require()), "compile", str(source), str(destination)], source.name)


def library(program: Path | None) -> Path | None:
    """WasmEdge's C library, beside ``program`` (a release's ``bin``, ``lib64`` or ``lib``)."""
    if program is None:
        return None
    release = program.resolve().parent.parent
    found = (release / folder / LIBRARY for folder in ("lib64", "lib"))
    return next((path for path in found if path.exists()), None)
