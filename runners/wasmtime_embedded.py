"""What the wasmtime zygote's forks run: one embedded run, and the serialisation of a module for
``embedded-aot``; and what they share with the warm host (``wasmtime_host``): loading a module,
the WASI context of one invocation and the report of how it ended. It imports nothing but
``wasmtime`` and the standard library, so the zygote that imports it
(``wasmbench.execution.zygote``) and the warm host stay small Pythons with only the runtime's package.

The zygote points the fork's stdout and stderr at the run's stderr file before it calls in here:
the module's stderr is inherited from there, and so is anything wasmtime prints itself.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import wasmtime


def run_module(
    module: Path, precompiled: bool, argv: Sequence[str], workdir: Path, stdin: Path | None, stdout: Path
) -> dict:
    """Compile (or deserialise), instantiate and execute ``module`` in a fresh engine and store,
    each phase timed; returns the report ``RunOutcome.from_fork`` reads."""
    start = time.perf_counter_ns()
    with reporting() as report:
        engine = wasmtime.Engine()
        with phase(report, "compile"):
            compiled = load(engine, module, precompiled)
        with phase(report, "instantiate"):
            start_function = instantiate(
                wasi_linker(engine), compiled, wasi_config(argv, workdir, stdin, stdout)
            )
        with phase(report, "execute"):
            start_function()
    report["wall_ns"] = time.perf_counter_ns() - start
    return report


def serialise(source: Path, destination: Path) -> None:
    """Compile ``source`` and write wasmtime's serialised machine code to ``destination``."""
    destination.write_bytes(wasmtime.Module(wasmtime.Engine(), source.read_bytes()).serialize())


def load(engine: wasmtime.Engine, module: Path, precompiled: bool) -> wasmtime.Module:
    """``module`` compiled for ``engine``, or deserialised when it is ``serialise``'s output."""
    if precompiled:
        return wasmtime.Module.deserialize_file(engine, str(module))
    return wasmtime.Module(engine, module.read_bytes())


def wasi_linker(engine: wasmtime.Engine) -> wasmtime.Linker:
    """A linker with WASI preview 1 defined; each store it instantiates in brings its own context."""
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    return linker


def wasi_config(
    argv: Sequence[str], workdir: Path, stdin: Path | None, stdout: Path, stderr: Path | None = None
) -> wasmtime.WasiConfig:
    """A fresh WASI context: ``argv``, ``workdir`` preopened as ``.``, no environment, the standard
    streams those files (no ``stdin``: an empty input; no ``stderr``: this process's)."""
    wasi = wasmtime.WasiConfig()
    wasi.argv = list(argv)
    wasi.preopen_dir(str(workdir), ".")
    if stdin is not None:
        wasi.stdin_file = str(stdin)
    wasi.stdout_file = str(stdout)
    if stderr is None:
        wasi.inherit_stderr()
    else:
        wasi.stderr_file = str(stderr)
    return wasi


def instantiate(
    linker: wasmtime.Linker, compiled: wasmtime.Module, wasi: wasmtime.WasiConfig
) -> wasmtime.Func:
    """A fresh instance of ``compiled`` in a store of its own with ``wasi``: its ``_start``, bound."""
    store = wasmtime.Store(linker.engine)
    store.set_wasi(wasi)
    start_function = linker.instantiate(store, compiled).exports(store)["_start"]
    return lambda: start_function(store)  # type: ignore[operator, return-value]


@contextlib.contextmanager
def reporting() -> Iterator[dict]:
    """The report of one run, filled in the ``with`` block: ``exit_code`` 0 unless the module
    exited otherwise (``proc_exit``), trapped or did not link (wasmtime's error, not the program's)."""
    report: dict = {"exit_code": 0, "phases_ns": {}}
    try:
        yield report
    except wasmtime.ExitTrap as exit_trap:
        report["exit_code"] = exit_trap.code
    except wasmtime.Trap as trap:
        cause = _last_line(trap)
        report.update(exit_code=None, trap=cause if cause.startswith("wasm trap") else f"wasm trap: {cause}")
    except wasmtime.WasmtimeError as error:  # e.g. a module that does not link: not a trap
        report.update(exit_code=None, error=f"wasmtime: {_last_line(error)}")


@contextlib.contextmanager
def phase(report: dict, name: str) -> Iterator[None]:
    """Adds the wall time of a ``with`` block to the report's ``phases_ns[name]``."""
    start = time.perf_counter_ns()
    try:
        yield
    finally:
        report["phases_ns"][name] = time.perf_counter_ns() - start


def _last_line(error: Exception) -> str:
    """The error's cause (its message's last line, e.g. ``wasm trap: wasm `unreachable` instruction
    executed``), not the backtrace."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
