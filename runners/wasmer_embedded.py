"""What the Wasmer zygote's forks run: one run through the ``wasmer-sdk`` package, and the compile
step of ``sdk-cached``; and what they share with the warm host (``wasmer_host``): the package of a
module and its input files, and the report of a finished command. It imports nothing but
``wasmer_sdk`` and the standard library, so the zygote that imports it
(``wasmbench.execution.zygote``) and the warm host stay small Pythons with only the runtime's package.

The zygote points the fork's stdout and stderr at the run's stderr file (for the compile step: a
file the harness reads when it fails) before it calls in here, so the SDK's own diagnostics (it
prints a trapping module's backtrace) land there; the module's captured stderr is appended after.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path

from wasmer_sdk import (
    ExitReason,
    Output,
    PackageCommandDefinition,
    PackageDefinition,
    Wasmer,
    WasmerError,
)

# Enough for the largest output a workload prints (mandelbrot, large: 32 MB); the SDK keeps it in memory.
OUTPUT_LIMIT = 256 << 20
PHASES = ("load", "sandbox", "run")


def compile_module(source: Path, cache: Path) -> str:
    """Start the module with a zero timeout, which compiles it into ``cache``; returns why that
    failed ("" when it did not)."""
    try:
        asyncio.run(_sandboxed(source, "compile", (), {}, None, cache, timeout_s=0))
    except WasmerError as error:
        return str(error)
    return ""


def run_module(
    module: Path,
    argv0: str,
    args: Sequence[str],
    workdir: Path,
    stdin: Path | None,
    stdout: Path,
    cache: Path,
) -> dict:
    """One timed run with ``workdir``'s files in the sandbox and ``stdin``'s bytes as its input;
    writes the module's stdout to ``stdout`` and its stderr to this process's, and returns the
    report ``RunOutcome.from_fork`` reads."""
    report: dict[str, object] = {"exit_code": None}
    start = time.perf_counter_ns()
    try:
        output, report["phases_ns"] = asyncio.run(
            _sandboxed(module, argv0, args, input_files(workdir), read_input(stdin), cache)
        )
    except WasmerError as error:
        report.update(failure(error))
    else:
        report.update(delivered(output, stdout))
        os.write(2, output.stderr.bytes)
    report["wall_ns"] = time.perf_counter_ns() - start
    return report


def package_definition(module: bytes, argv0: str, files: Mapping[str, bytes]) -> PackageDefinition:
    """A package of ``module`` as the command ``argv0`` (the name it gets as its ``argv[0]``),
    with ``files`` at the root of its file system, where the module starts."""
    return PackageDefinition(
        modules={argv0: module}, commands={argv0: PackageCommandDefinition(module=argv0)}, files=files
    )


def input_files(workdir: Path) -> dict[str, bytes]:
    """The working directory's files by their sandbox path (relative paths resolve from ``/``);
    symbolic links are left out, as a preopened directory would not follow them out."""
    return {
        f"/{path.relative_to(workdir)}": path.read_bytes()
        for path in sorted(workdir.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def read_input(stdin: Path | None) -> bytes | None:
    """What the module reads on its stdin: the file's bytes; None (a closed stdin) when there is none."""
    return None if stdin is None else stdin.read_bytes()


def delivered(output: Output, stdout: Path) -> dict[str, object]:
    """The module's stdout written to ``stdout``; the report's ``exit_code``, and its ``error``
    when the module did not exit by itself or its output was cut."""
    stdout.write_bytes(output.stdout.bytes)
    report: dict[str, object] = {"exit_code": output.exit_code}
    if output.reason is not ExitReason.EXITED:
        report["error"] = f"the module did not exit ({output.reason.value})"
    elif output.stdout.truncated or output.stderr.truncated:
        report["error"] = f"the module's output was cut at {OUTPUT_LIMIT} bytes"
    return report


def failure(error: WasmerError) -> dict[str, str]:
    """A failed run's first line: a trap (``wasm trap: RuntimeError: unreachable``), or the SDK's
    own error (not the program's)."""
    first_line = str(error).splitlines()[0] if str(error) else error.code
    if error.code == "EXECUTION_ERROR":
        return {"trap": f"wasm trap: {first_line.removeprefix('command execution failed: ')}"}
    return {"error": f"wasmer-sdk {error.code}: {first_line}"}


async def _sandboxed(
    module: Path,
    argv0: str,
    args: Sequence[str],
    files: Mapping[str, bytes],
    stdin: bytes | None,
    cache: Path,
    timeout_s: float | None = None,
) -> tuple[Output, dict[str, int]]:
    """Package ``module`` with ``files``, make a sandbox for it and run it there once."""
    marks = [time.perf_counter_ns()]
    async with Wasmer(cache_root=cache, output_bytes=OUTPUT_LIMIT) as wasmer:
        package = await wasmer.packages.create(package_definition(module.read_bytes(), argv0, files))
        marks.append(time.perf_counter_ns())
        async with await wasmer.sandboxes.create(packages=[package]) as sandbox:
            marks.append(time.perf_counter_ns())
            command = sandbox.command(package, list(args))
            output = await command.run(stdin=stdin, check=False, timeout=timeout_s)
            marks.append(time.perf_counter_ns())
    return output, {name: end - begin for name, (begin, end) in zip(PHASES, pairwise(marks), strict=True)}
