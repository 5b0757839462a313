"""What every WebAssembly runtime mode must do, checked on each one this machine has: run a module
with its arguments, report its exit status, record a trap as a crash named by the trap (the same
status in every mode), stop a hung module at the timeout, and sandbox it (its working directory
and nothing else of the host's files, no environment: none at all, or exactly the fixed variables
a runtime declares in ``module_environment``).

A runtime that is not installed shows up here as skipped with the reason the runner gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wat_modules import SPIN, TRAP, wat_module

from wasmbench.build.manifest import SizeSpec
from wasmbench.build.toolchain import WASM_TARGET, Artefact, Toolchain, helper_program
from wasmbench.measuring.measurement import Status, validate
from wasmbench.runtimes.runner import Invocation, Runner, discover_runners

pytestmark = pytest.mark.slow  # every wasm runtime here, running real modules

PROBE = helper_program(Path(__file__).with_name("programs") / "sandbox_probe.c")
NO_OUTPUT = SizeSpec(args=())  # expects no output at all

WASM_MODES = [
    pytest.param((runner, mode), id=f"{runner.name}:{mode}")
    for runner in discover_runners().values()
    if runner.target == WASM_TARGET
    for mode in runner.modes
]


@pytest.fixture(params=WASM_MODES)
def runtime(request) -> tuple[Runner, str]:
    runner, mode = request.param
    availability = runner.mode_availability(mode)
    if not availability.available:
        pytest.skip(f"{runner.name}:{mode} is not available here: {availability.reason}")
    return runner, mode


@pytest.fixture(scope="module")
def probe() -> Artefact:
    return Toolchain().build(PROBE, WASM_TARGET)


def run(runtime, artefact: Artefact, tmp_path: Path, args=(), timeout_s: float = 60.0):
    runner, mode = runtime
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    invocation = Invocation(tuple(args), workdir, tmp_path / "stdout", tmp_path / "stderr", timeout_s)
    prepared = runner.prepare(artefact, mode, tmp_path / "cache")
    return runner.run(prepared, invocation)


def test_runs_with_arguments_inside_a_sandbox(runtime, probe, tmp_path, monkeypatch):
    monkeypatch.setenv("WASMBENCH_SECRET", "host")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "inside.txt").write_text("visible")
    (tmp_path / "outside.txt").write_text("hidden")
    outcome = run(runtime, probe, tmp_path, args=["one", "two words"])
    runner, _ = runtime
    assert (tmp_path / "stdout").read_text().splitlines() == [
        "arg one",
        "arg two words",
        f"environ {len(runner.module_environment)}",
        *(f"env {variable}" for variable in runner.module_environment),
        "inside yes",
        "outside no",
        "outside no",
    ], (tmp_path / "stderr").read_text()
    assert outcome.exit_code == 0 and outcome.error is None
    assert outcome.usage.wall_ns > 0 and outcome.usage.max_rss_kib > 0


def test_the_exit_status_is_the_modules(runtime, probe, tmp_path):
    assert run(runtime, probe, tmp_path, args=["x"]).exit_code == 7


def test_a_trap_is_a_crash_named_by_the_trap(runtime, tmp_path):
    outcome = run(runtime, wat_module(tmp_path, TRAP), tmp_path)
    measurement = validate(outcome, tmp_path / "stdout", tmp_path / "stderr", NO_OUTPUT)
    assert measurement.status is Status.CRASHED, measurement.detail
    assert "unreachable" in measurement.detail.lower()


def test_a_hung_module_is_stopped_at_the_timeout(runtime, tmp_path):
    outcome = run(runtime, wat_module(tmp_path, SPIN), tmp_path, timeout_s=1.0)
    assert outcome.timed_out
    assert validate(outcome, tmp_path / "stdout", tmp_path / "stderr", NO_OUTPUT).status is Status.TIMEOUT
