"""What the wasmtime zygote's forks run: one embedded run, and the serialisation of a module for
``embedded-aot``. It imports nothing but ``wasmtime`` and the standard library, so the zygote
that imports it (``wasmbench.execution.zygote``) stays a small Python with only the runtime's package.

The zygote points the fork's stdout and stderr at the run's stderr file before it calls in here:
the module's stderr is inherited from there, and so is anything wasmtime prints itself.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import wasmtime


def run_module(module: Path, precompiled: bool, argv: Sequence[str], workdir: Path, stdout: Path) -> dict:
    """Compile (or deserialise), instantiate and execute ``module`` in a fresh engine and store,
    each phase timed; returns the report ``RunOutcome.from_fork`` reads."""
    phases: dict[str, int] = {}
    report: dict[str, object] = {"exit_code": 0, "phases_ns": phases}
    start = time.perf_counter_ns()
    try:
        engine = wasmtime.Engine()
        with _phase(phases, "compile"):
            if precompiled:
                compiled = wasmtime.Module.deserialize_file(engine, str(module))
            else:
                compiled = wasmtime.Module(engine, module.read_bytes())
        with _phase(phases, "instantiate"):
            store = wasmtime.Store(engine)
            store.set_wasi(_wasi_config(argv, workdir, stdout))
            linker = wasmtime.Linker(engine)
            linker.define_wasi()
            start_function = linker.instantiate(store, compiled).exports(store)["_start"]
        with _phase(phases, "execute"):
            start_function(store)  # type: ignore[operator]
    except wasmtime.ExitTrap as exit_trap:
        report["exit_code"] = exit_trap.code
    except wasmtime.Trap as trap:
        cause = _last_line(trap)
        report.update(exit_code=None, trap=cause if cause.startswith("wasm trap") else f"wasm trap: {cause}")
    except wasmtime.WasmtimeError as error:  # e.g. a module that does not link: not a trap
        report.update(exit_code=None, error=f"wasmtime: {_last_line(error)}")
    report["wall_ns"] = time.perf_counter_ns() - start
    return report


def serialise(source: Path, destination: Path) -> None:
    """Compile ``source`` and write wasmtime's serialised machine code to ``destination``."""
    destination.write_bytes(wasmtime.Module(wasmtime.Engine(), source.read_bytes()).serialize())


def _wasi_config(argv: Sequence[str], workdir: Path, stdout: Path) -> wasmtime.WasiConfig:
    wasi = wasmtime.WasiConfig()
    wasi.argv = list(argv)
    wasi.preopen_dir(str(workdir), ".")
    wasi.stdout_file = str(stdout)
    wasi.inherit_stderr()
    return wasi


def _last_line(error: Exception) -> str:
    """The error's cause (its message's last line, e.g. ``wasm trap: wasm `unreachable` instruction
    executed``), not the backtrace."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


class _phase:
    """Adds the wall time of a ``with`` block to ``phases[name]``."""

    def __init__(self, phases: dict[str, int], name: str) -> None:
        self.phases, self.name = phases, name

    def __enter__(self) -> None:
        self.start = time.perf_counter_ns()

    def __exit__(self, *exc_info: object) -> None:
        self.phases[self.name] = time.perf_counter_ns() - self.start
