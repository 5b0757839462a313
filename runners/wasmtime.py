"""wasmtime embedded in the harness through the ``wasmtime`` Python package.

Every measurement compiles (or, in ``embedded-aot``, deserialises), instantiates and executes the
module in a fresh engine and store, and records those three phases separately. The module gets
WASI preview 1 with its arguments, its working directory preopened as ``.``, stdout and stderr to
files and no environment. A timeout interrupts the running code through wasmtime's epoch
interruption, so a hung module never hangs the suite.
"""

from __future__ import annotations

import contextlib
import resource
import threading
import time
from importlib import metadata
from pathlib import Path

from wasmbench.runner import Availability, Invocation, Prepared, Runner, RunOutcome
from wasmbench.toolchain import WASM_TARGET

PEAK_RSS_RESET = Path("/proc/self/clear_refs")


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
        return ["epoch_interruption", "precompiled" if mode == "embedded-aot" else "compile_each_run"]

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        import wasmtime

        module = wasmtime.Module(_engine(), source.read_bytes())
        destination.write_bytes(module.serialize())

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        import wasmtime

        engine = _engine()
        interrupted = threading.Event()

        def interrupt() -> None:
            interrupted.set()
            engine.increment_epoch()

        timer = threading.Timer(invocation.timeout_s, interrupt)
        phases: dict[str, int] = {}
        exit_code: int | None = 0
        error: str | None = None
        _reset_peak_rss()
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        timer.start()
        start = time.perf_counter_ns()
        try:
            with _phase(phases, "compile"):
                if prepared.mode == "embedded-aot":
                    module = wasmtime.Module.deserialize_file(engine, str(prepared.path))
                else:
                    module = wasmtime.Module(engine, prepared.path.read_bytes())
            with _phase(phases, "instantiate"):
                store = wasmtime.Store(engine)
                store.set_epoch_deadline(1)
                store.set_wasi(_wasi_config(prepared, invocation))
                linker = wasmtime.Linker(engine)
                linker.define_wasi()
                instance = linker.instantiate(store, module)
                start_function = instance.exports(store)["_start"]
            with _phase(phases, "execute"):
                start_function(store)  # type: ignore[operator]
        except wasmtime.ExitTrap as exit_trap:
            exit_code = exit_trap.code
        except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
            exit_code = None
            error = None if interrupted.is_set() else _cause(trap)
        finally:
            wall_ns = time.perf_counter_ns() - start
            timer.cancel()
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
        return RunOutcome(
            wall_ns=wall_ns,
            user_s=usage_after.ru_utime - usage_before.ru_utime,
            sys_s=usage_after.ru_stime - usage_before.ru_stime,
            max_rss_kib=_peak_rss_kib(),
            exit_code=exit_code,
            timed_out=interrupted.is_set(),
            phases_ns=phases,
            error=error,
        )


def _engine():  # -> wasmtime.Engine
    import wasmtime

    config = wasmtime.Config()
    config.epoch_interruption = True
    return wasmtime.Engine(config)


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


def _reset_peak_rss() -> None:
    """Reset this process's peak RSS (Linux ``clear_refs`` 5), so the next read is this run's peak."""
    with contextlib.suppress(OSError):  # older kernels: the peak then covers the process lifetime
        PEAK_RSS_RESET.write_text("5")


def _peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
