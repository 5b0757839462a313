"""WasmEdge on the real n-body workload, wherever a ``wasmedge`` binary is found (PATH,
``$WASMEDGE_DIR/bin``, ``~/.wasmedge/bin``; skipped with the reason elsewhere — it is on no
package registry): both modes run and print the right output, and ``aot`` really executes the
compiled code. WasmEdge would silently interpret a compiled file it does not run natively, so the
evidence is speed: the two modes are timed back to back on the same steps, and the interpreter
must take at least five times as long (native code is tens of times faster; the margin absorbs a
busy machine, and only a ratio measured in one run is compared). The same holds for the warm
hosts, which run the modes through WasmEdge's C API.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmbench.build.manifest import load_manifest
from wasmbench.build.toolchain import WASM_TARGET, Artefact, Toolchain
from wasmbench.measuring.measurement import Status, validate
from wasmbench.runners.wasmedge import LIBRARY, WasmEdgeRunner, library
from wasmbench.runtimes.runner import Invocation, RunOutcome

pytestmark = pytest.mark.slow

RUNNER = WasmEdgeRunner()
NBODY = load_manifest()["nbody"]
# Enough steps that the interpreter's run (seconds) dwarfs wasmedge's start-up.
STEPS = "300000"
# The warm hosts' timings are the module's execution alone, without a start-up to dwarf.
WARM_STEPS = "30000"


@pytest.fixture(scope="module")
def nbody() -> Artefact:
    for mode in RUNNER.declaration.declared_mode_names:
        availability = RUNNER.availability(mode)
        if not availability.available:
            pytest.skip(f"wasmedge:{mode} is not available here: {availability.reason}")
    return Toolchain().build(NBODY, WASM_TARGET)


def run(nbody: Artefact, mode: str, args: tuple[str, ...], folder: Path) -> tuple[RunOutcome, Invocation]:
    folder.mkdir()
    (folder / "work").mkdir()
    prepared = RUNNER.prepare(nbody, mode, folder / "cache")
    invocation = Invocation(args, folder / "work", folder / "stdout", folder / "stderr", 600.0)
    return RUNNER.run(prepared, invocation), invocation


@pytest.mark.parametrize("mode", RUNNER.declaration.declared_mode_names)
def test_each_mode_runs_nbody_and_prints_the_right_output(nbody, mode, tmp_path):
    spec = NBODY.size("test")
    outcome, invocation = run(nbody, mode, spec.args, tmp_path / mode)
    measurement = validate(outcome, invocation.stdout, invocation.stderr, spec)
    assert measurement.status is Status.OK, measurement.detail


def test_aot_runs_compiled_code_at_least_five_times_faster_than_the_interpreter(nbody, tmp_path):
    aot, aot_run = run(nbody, "aot", (STEPS,), tmp_path / "aot")
    interpreter, interpreter_run = run(nbody, "interpreter", (STEPS,), tmp_path / "interpreter")
    assert aot.exit_code == interpreter.exit_code == 0
    assert aot_run.stdout.read_bytes() == interpreter_run.stdout.read_bytes() != b""
    ratio = interpreter.usage.wall_ns / aot.usage.wall_ns
    assert ratio >= 5, f"the interpreter took only {ratio:.1f}× as long as aot: is aot interpreted?"


def test_the_warm_hosts_of_jit_and_aot_run_compiled_code(nbody, tmp_path):
    """Through the C API too: the interpreter's warm host takes at least five times as long."""
    if library() is None:
        pytest.skip(f"WasmEdge's C library ({LIBRARY}) is not beside its program")
    (tmp_path / "work").mkdir()
    executed, outputs = {}, set()
    for mode in ("interpreter", "jit", "aot"):
        host = RUNNER.serve(RUNNER.prepare(nbody, mode, tmp_path / "cache"))
        invocation = Invocation(
            (WARM_STEPS,), tmp_path / "work", tmp_path / f"{mode}.stdout", tmp_path / f"{mode}.stderr", 600.0
        )
        try:
            assert host.invoke(invocation).exit_code == 0
            executed[mode] = host.invoke(invocation).phases_ns["execute"]
        finally:
            host.close()
        outputs.add(invocation.stdout.read_bytes())
    assert len(outputs) == 1 and outputs != {b""}
    for mode in ("jit", "aot"):
        ratio = executed["interpreter"] / executed[mode]
        assert ratio >= 5, f"the interpreter took only {ratio:.1f}× as long as {mode}: is {mode} interpreted?"
