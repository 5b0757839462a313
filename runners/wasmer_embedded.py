"""What the Wasmer zygote's forks run: one run through the ``wasmer-sdk`` package, and the compile
step of ``sdk-cached``. It imports nothing but ``wasmer_sdk`` and the standard library, so the
zygote that imports it (``wasmbench.execution.zygote``) stays a small Python with only the runtime's package.

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
        asyncio.run(_sandboxed(source, "compile", (), {}, cache, timeout_s=0))
    except WasmerError as error:
        return str(error)
    return ""


def run_module(
    module: Path, argv0: str, args: Sequence[str], workdir: Path, stdout: Path, cache: Path
) -> dict:
    """One timed run with ``workdir``'s files in the sandbox; writes the module's stdout to
    ``stdout`` and its stderr to this process's, and returns the report ``RunOutcome.from_fork``
    reads."""
    report: dict[str, object] = {"exit_code": None}
    start = time.perf_counter_ns()
    try:
        output, report["phases_ns"] = asyncio.run(
            _sandboxed(module, argv0, args, _input_files(workdir), cache)
        )
    except WasmerError as error:
        report.update(_failure(error))
    else:
        stdout.write_bytes(output.stdout.bytes)
        os.write(2, output.stderr.bytes)
        report["exit_code"] = output.exit_code
        if output.reason is not ExitReason.EXITED:
            report["error"] = f"the module did not exit ({output.reason.value})"
        elif output.stdout.truncated or output.stderr.truncated:
            report["error"] = f"the module's output was cut at {OUTPUT_LIMIT} bytes"
    report["wall_ns"] = time.perf_counter_ns() - start
    return report


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


def _failure(error: WasmerError) -> dict[str, str]:
    """A failed run's first line: a trap (``wasm trap: RuntimeError: unreachable``), or the SDK's
    own error (not the program's)."""
    first_line = str(error).splitlines()[0] if str(error) else error.code
    if error.code == "EXECUTION_ERROR":
        return {"trap": f"wasm trap: {first_line.removeprefix('command execution failed: ')}"}
    return {"error": f"wasmer-sdk {error.code}: {first_line}"}
