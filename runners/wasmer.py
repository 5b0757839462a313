"""Wasmer, embedded through the ``wasmer-sdk`` package, and its command-line program's compilers.

``wasmer-sdk`` (PyPI; the old ``wasmer`` wheels stop at Python 3.10) embeds Wasmer with its
Cranelift compiler and runs a WASI command module in a *sandbox* with a virtual file system of
its own: the SDK cannot preopen a host directory nor write the module's output to a file. The
closest honest equivalent is used: the module is packaged together with a copy of every file in
the run's working directory, placed at the root of the sandbox's file system (where the module
starts and looks for relative paths), and the output it captured is written to the run's files
afterwards. The module sees those files, the sandbox's empty system directories, its arguments,
no environment and no network; nothing of the host's (``/etc/passwd`` and ``../x`` do not open).
Whatever the module writes stays in the sandbox.

The SDK compiles a module when its command first runs and keeps the machine code in its cache
(``cache_root``), keyed by the module's hash; it has no call that only compiles. So:

- ``sdk``: every run starts with an empty cache and compiles, as a cold start does.
- ``sdk-cached``: the prepare step compiles through the SDK (the module is started with a zero
  timeout, which compiles and caches it, then stops it at once; ``prepare_ns`` is that time) and
  keeps the cache; every run starts with a copy of it.

Each run reports three phases: ``load`` (starting the SDK's client and packaging the module with
the input files), ``sandbox`` (creating the sandbox) and ``run`` (the SDK's one call that
compiles — or loads the cached code — instantiates and executes the module; the SDK does not
split it). Like wasmtime's embedded
modes, the SDK works in a supervised fork (``run_in_fork``): the harness never starts its threads,
a hung module is killed at the timeout, and the child's rusage is the run's own.

The command-line modes (``cranelift``, ``llvm``, ``singlepass``) run ``wasmer run`` with that
compiler, the working directory mapped as ``.`` and an empty compiled-module cache per run. No
package registry this project installs from ships the ``wasmer`` program, so these modes are
there when the official installer has put it on PATH (or in ``~/.wasmer/bin``) with that compiler.
"""

from __future__ import annotations

import asyncio
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from importlib import metadata
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from wasmbench.command_runner import Program, run_command
from wasmbench.process import run_in_fork
from wasmbench.runner import Availability, Invocation, Prepared, Runner, RunOutcome
from wasmbench.toolchain import WASM_TARGET

if TYPE_CHECKING:
    from wasmer_sdk import Output, WasmerError

SDK_MODES = ("sdk", "sdk-cached")
CLI_MODES = ("cranelift", "llvm", "singlepass")
SDK_HINT = "pip install wasmer-sdk"
CLI = Program(
    "wasmer", "curl https://get.wasmer.io -sSfL | sh (the official installer)", (Path.home() / ".wasmer/bin",)
)
# Enough for the largest output a workload prints (mandelbrot, large: 32 MB); the SDK keeps it in memory.
OUTPUT_LIMIT = 256 << 20
PHASES = ("load", "sandbox", "run")


class WasmerRunner(Runner):
    name = "wasmer"
    title = "Wasmer"
    target = WASM_TARGET
    modes = (*SDK_MODES, *CLI_MODES)
    prepared_modes = frozenset({"sdk-cached"})
    prepared_suffix = ".wasmer-cache.tar"

    def availability(self) -> Availability:
        sdk = self.mode_availability("sdk")
        return sdk if sdk.available else CLI.availability()

    def mode_availability(self, mode: str) -> Availability:
        if mode in SDK_MODES:
            try:
                import wasmer_sdk  # noqa: F401
            except ImportError as error:
                return Availability.no(f"the wasmer-sdk package does not load: {error}", SDK_HINT)
            return Availability.yes()
        cli = CLI.availability()
        if not cli.available:
            return cli
        compilers = _cli_compilers()
        if compilers is not None and mode not in compilers:
            return Availability.no(
                f"this wasmer was built without the {mode} compiler (it has: {', '.join(compilers)})",
                f"a wasmer build with the {mode} feature",
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        versions = {}
        if self.mode_availability("sdk").available:
            versions["wasmer-sdk"] = metadata.version("wasmer-sdk")
        if CLI.locate() is not None:
            versions["wasmer-cli"] = CLI.version()
        return versions

    def mode_flags(self, mode: str) -> list[str]:
        if mode in CLI_MODES:
            return [f"--{mode}"]
        return {"sdk": ["compile_each_run"], "sdk-cached": ["precompiled"]}[mode]

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        """Compile through the SDK into a fresh cache and keep that cache as a tar archive."""
        with tempfile.TemporaryDirectory(prefix="wasmbench-wasmer-") as cache:
            result, answer = run_in_fork(lambda: _compile_module(source, Path(cache)), timeout_s=600)
            if result.exit_code != 0 or not any(Path(cache).rglob("*.bin")):
                why = answer.decode() or f"status {result.exit_code}, signal {result.signal}"
                raise OSError(f"wasmer-sdk could not compile {source.name}: {why}")
            with tarfile.open(destination, "w") as archive:
                archive.add(cache, arcname=".")

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        with tempfile.TemporaryDirectory(prefix="wasmbench-wasmer-") as cache:
            if prepared.mode in CLI_MODES:
                command = self.cli_command(prepared, invocation)
                return run_command(command, invocation, {"WASMER_CACHE_DIR": cache})
            module = prepared.artefact.path
            if prepared.mode == "sdk-cached":
                with tarfile.open(prepared.path) as archive:
                    archive.extractall(cache, filter="data")
            result, answer = run_in_fork(
                lambda: _run_module(module, prepared.artefact.workload, invocation, Path(cache)),
                invocation.timeout_s,
            )
        return RunOutcome.from_fork(result, answer, "wasmer-sdk")

    def cli_command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        """``wasmer run`` with the mode's compiler and the working directory mapped as ``.``."""
        return [
            str(CLI.require()),
            "run",
            *self.mode_flags(prepared.mode),
            "--mapdir",
            f".:{invocation.workdir}",
            str(prepared.path),
            "--",
            *invocation.args,
        ]


def _cli_compilers() -> list[str] | None:
    """The compilers ``wasmer -vV`` lists on its ``compiler:`` line (None if it has no such line)."""
    for line in CLI.output("-vV").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "compiler":
            return [name.strip() for name in value.split(",") if name.strip()]
    return None


def _compile_module(source: Path, cache: Path) -> bytes:
    """In the child: start the module with a zero timeout, which compiles it into ``cache``."""
    from wasmer_sdk import WasmerError

    try:
        asyncio.run(_sandboxed(source, "compile", (), {}, cache, timeout_s=0))
    except WasmerError as error:
        return str(error).encode()
    return b""


def _run_module(module: Path, argv0: str, invocation: Invocation, cache: Path) -> bytes:
    """In the child: one timed run; writes the module's output to the run's files and returns a
    JSON report. The SDK's own diagnostics (it prints a trap's backtrace) go to the stderr file."""
    from wasmer_sdk import ExitReason, WasmerError

    diagnostics = os.open(invocation.stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(diagnostics, 1)
    os.dup2(diagnostics, 2)
    report: dict[str, object] = {"exit_code": None}
    start = time.perf_counter_ns()
    try:
        output, report["phases_ns"] = asyncio.run(
            _sandboxed(module, argv0, invocation.args, _input_files(invocation.workdir), cache)
        )
    except WasmerError as error:
        report["error"] = _cause(error)
    else:
        invocation.stdout.write_bytes(output.stdout.bytes)
        os.write(diagnostics, output.stderr.bytes)
        report["exit_code"] = output.exit_code
        if output.reason is not ExitReason.EXITED:
            report["error"] = f"the module did not exit ({output.reason.value})"
        elif output.stdout.truncated or output.stderr.truncated:
            report["error"] = f"the module's output was cut at {OUTPUT_LIMIT} bytes"
    report["wall_ns"] = time.perf_counter_ns() - start
    return json.dumps(report).encode()


def _input_files(workdir: Path) -> dict[str, bytes]:
    """The working directory's files by their sandbox path (relative paths resolve from ``/``);
    symbolic links are left out, as a preopened directory would not follow them out."""
    return {
        f"/{path.relative_to(workdir)}": path.read_bytes()
        for path in sorted(workdir.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


async def _sandboxed(
    module: Path,
    argv0: str,
    args: Sequence[str],
    files: Mapping[str, bytes],
    cache: Path,
    timeout_s: float | None = None,
) -> tuple[Output, dict[str, int]]:
    """Package ``module`` with ``files``, make a sandbox for it and run it there once."""
    from wasmer_sdk import PackageCommandDefinition, PackageDefinition, Wasmer

    marks = [time.perf_counter_ns()]
    async with Wasmer(cache_root=cache, output_bytes=OUTPUT_LIMIT) as wasmer:
        definition = PackageDefinition(
            modules={argv0: module.read_bytes()},
            commands={argv0: PackageCommandDefinition(module=argv0)},
            files=files,
        )
        package = await wasmer.packages.create(definition)
        marks.append(time.perf_counter_ns())
        async with await wasmer.sandboxes.create(packages=[package]) as sandbox:
            marks.append(time.perf_counter_ns())
            output = await sandbox.command(package, list(args)).run(check=False, timeout=timeout_s)
            marks.append(time.perf_counter_ns())
    return output, {name: end - begin for name, (begin, end) in zip(PHASES, pairwise(marks), strict=True)}


def _cause(error: WasmerError) -> str:
    """A failed run's first line: a trap (``wasm trap: unreachable``) or the SDK's own error."""
    first_line = str(error).splitlines()[0] if str(error) else error.code
    if error.code == "EXECUTION_ERROR":
        return f"wasm trap: {first_line.removeprefix('command execution failed: ')}"
    return f"wasmer-sdk {error.code}: {first_line}"
