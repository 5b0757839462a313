"""wasmtime embedded through the ``wasmtime`` Python package.

Every measurement compiles (or, in ``embedded-aot``, deserialises), instantiates and executes the
module in a fresh engine and store, and records those three phases separately. The module gets
WASI preview 1 with its arguments, its working directory preopened as ``.``, stdout and stderr to
files and no environment.

All wasmtime work happens in a forked child of the harness (``run_in_fork``): a hung module is
killed at the timeout without epoch interruption (whose checks in every loop would slow the code
being measured — mandelbrot runs almost twice as long with them), a crash cannot take the harness
down, the child's rusage is the run's own, and the harness never starts wasmtime's compiler
threads, which a fork would not carry over.
"""

from __future__ import annotations

import json
import time
from importlib import metadata
from pathlib import Path

from wasmbench.process import run_in_fork
from wasmbench.runner import Availability, Invocation, Prepared, Runner, RunOutcome
from wasmbench.toolchain import WASM_TARGET


class WasmtimeRunner(Runner):
    name = "wasmtime"
    title = "wasmtime"
    target = WASM_TARGET
    modes = ("embedded", "embedded-aot")
    prepared_modes = frozenset({"embedded-aot"})
    prepared_suffix = ".cwasm"

    def availability(self) -> Availability:
        try:
            import wasmtime  # noqa: F401
        except ImportError as error:
            return Availability.no(
                f"the wasmtime Python package does not load: {error}", "pip install wasmtime"
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        return {"wasmtime-py": metadata.version("wasmtime")}

    def mode_flags(self, mode: str) -> list[str]:
        return ["precompiled" if mode == "embedded-aot" else "compile_each_run"]

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        def serialise() -> bytes:
            import wasmtime

            destination.write_bytes(wasmtime.Module(wasmtime.Engine(), source.read_bytes()).serialize())
            return b""

        result, _ = run_in_fork(serialise, timeout_s=600)
        if result.exit_code != 0:
            status = f"status {result.exit_code}, signal {result.signal}"
            raise OSError(f"wasmtime could not compile {source.name} ({status})")

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        result, answer = run_in_fork(lambda: _run_module(prepared, invocation), invocation.timeout_s)
        report = json.loads(answer) if answer else {}
        error = report.get("error")
        if not report and not result.timed_out:
            error = f"the wasmtime child died (status {result.exit_code}, signal {result.signal})"
        return RunOutcome(
            # The child's own clock covers compile to exit; the fork is harness overhead.
            wall_ns=report.get("wall_ns", result.wall_ns),
            user_s=result.user_s,
            sys_s=result.sys_s,
            max_rss_kib=result.max_rss_kib,
            exit_code=report.get("exit_code"),
            timed_out=result.timed_out,
            phases_ns=report.get("phases_ns", {}),
            error=error,
        )


def _run_module(prepared: Prepared, invocation: Invocation) -> bytes:
    """In the child: the three timed phases; returns a JSON report for the parent."""
    import wasmtime

    phases: dict[str, int] = {}
    report: dict[str, object] = {"exit_code": 0, "phases_ns": phases}
    start = time.perf_counter_ns()
    try:
        engine = wasmtime.Engine()
        with _phase(phases, "compile"):
            if prepared.mode == "embedded-aot":
                module = wasmtime.Module.deserialize_file(engine, str(prepared.path))
            else:
                module = wasmtime.Module(engine, prepared.path.read_bytes())
        with _phase(phases, "instantiate"):
            store = wasmtime.Store(engine)
            store.set_wasi(_wasi_config(prepared, invocation))
            linker = wasmtime.Linker(engine)
            linker.define_wasi()
            start_function = linker.instantiate(store, module).exports(store)["_start"]
        with _phase(phases, "execute"):
            start_function(store)  # type: ignore[operator]
    except wasmtime.ExitTrap as exit_trap:
        report["exit_code"] = exit_trap.code
    except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
        report.update(exit_code=None, error=_cause(trap))
    report["wall_ns"] = time.perf_counter_ns() - start
    return json.dumps(report).encode()


def _wasi_config(prepared: Prepared, invocation: Invocation):  # -> wasmtime.WasiConfig
    import wasmtime

    wasi = wasmtime.WasiConfig()
    wasi.argv = [prepared.artefact.workload, *invocation.args]
    wasi.preopen_dir(str(invocation.workdir), ".")
    wasi.stdout_file = str(invocation.stdout)
    wasi.stderr_file = str(invocation.stderr)
    return wasi


def _cause(trap: Exception) -> str:
    """The trap's cause (its message's last line, e.g. ``wasm trap: unreachable``), not the backtrace."""
    lines = [line.strip() for line in str(trap).splitlines() if line.strip()]
    cause = lines[-1] if lines else type(trap).__name__
    return cause if cause.startswith("wasm trap") else f"wasm trap: {cause}"


class _phase:
    """Adds the wall time of a ``with`` block to ``phases[name]``."""

    def __init__(self, phases: dict[str, int], name: str) -> None:
        self.phases, self.name = phases, name

    def __enter__(self) -> None:
        self.start = time.perf_counter_ns()

    def __exit__(self, *exc_info: object) -> None:
        self.phases[self.name] = time.perf_counter_ns() - self.start
