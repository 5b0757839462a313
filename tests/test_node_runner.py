"""V8 through Node.js's WASI: versions of both, the script's phase times, the baseline mode's V8
flags, and a trap's message. What every wasm runtime must do is in test_wasm_runtimes.py."""

from pathlib import Path

import pytest
from wat_modules import HELLO, TRAP, wat_module

from wasmbench.runners.node import NodeRunner, phase_report
from wasmbench.runtimes.runner import Invocation

NODE = NodeRunner().availability("default")
installed = pytest.mark.skipif(not NODE.available, reason=f"node cannot run here: {NODE.reason}")


def run(tmp_path: Path, text: str, mode: str = "default"):
    (tmp_path / "work").mkdir(exist_ok=True)
    invocation = Invocation((), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", 30.0)
    runner = NodeRunner()
    return runner.run(runner.prepare(wat_module(tmp_path, text), mode, tmp_path), invocation)


@installed
def test_the_versions_of_node_and_v8_are_recorded():
    versions = NodeRunner().version()
    assert set(versions) == {"node", "v8"}
    assert all(version[0].isdigit() for version in versions.values())


@pytest.mark.slow
@installed
@pytest.mark.parametrize("mode", NodeRunner.declaration.mode_names)
def test_a_run_reports_the_scripts_phases_and_only_the_modules_output(tmp_path, mode):
    outcome = run(tmp_path, HELLO, mode)
    assert (tmp_path / "stdout").read_text() == "hello\n"
    assert (tmp_path / "stderr").read_text() == ""  # no ExperimentalWarning
    assert outcome.exit_code == 0 and outcome.error is None
    assert set(outcome.phases_ns) == {"compile", "instantiate", "execute"}
    assert sum(outcome.phases_ns.values()) <= outcome.usage.wall_ns


def test_baseline_keeps_liftoffs_code_optimizing_skips_it_and_default_tiers_up():
    declaration = NodeRunner.declaration
    assert declaration.mode("baseline").flags[-2:] == ("--liftoff", "--no-wasm-tier-up")
    assert declaration.mode("optimizing").flags[-1] == "--no-liftoff"
    assert not {"--liftoff", "--no-liftoff", "--no-wasm-tier-up"} & set(declaration.mode("default").flags)
    assert all("--no-turbo-fast-api-calls" in mode.flags for mode in declaration.modes)


@pytest.mark.slow
@installed
def test_the_flags_go_to_node_before_the_script(tmp_path):
    runner = NodeRunner()
    (tmp_path / "work").mkdir()
    invocation = Invocation(("7",), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", 30.0)
    prepared = runner.prepare(wat_module(tmp_path, HELLO), "baseline", tmp_path)
    command = runner.command(prepared, invocation)
    flags_end = 1 + len(prepared.flags)
    assert tuple(command[1:flags_end]) == prepared.flags == NodeRunner.declaration.mode("baseline").flags
    assert command[flags_end].endswith("node_wasi.mjs")
    assert command[flags_end + 1 :] == [str(phase_report(invocation)), str(prepared.path), "module", "7"]


@pytest.mark.slow
@installed
def test_a_trap_is_reported_by_its_message(tmp_path):
    outcome = run(tmp_path, TRAP)
    assert outcome.trap == "wasm trap: unreachable"
    assert outcome.error is None and outcome.exit_code == 1


def test_a_node_older_than_18_17_is_skipped_with_the_reason(tmp_path, monkeypatch):
    """node:wasi takes ``version: "preview1"`` from 18.17 on."""
    node = tmp_path / "node"
    node.write_text("#!/bin/sh\necho v18.16.1\n")
    node.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    availability = NodeRunner().availability("default")
    assert not availability.available
    assert availability.reason == "node 18.16.1 is older than 18.17" and "nodejs" in availability.hint
