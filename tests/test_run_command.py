"""``wasmbench run`` on its own loop: what pytest's settings cannot change, merged repeats, and a
harness error reported in one line with the journal kept (real native nop runs: seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from wasmbench.cli import main
from wasmbench.measuring import job
from wasmbench.measuring.engine import Engine

pytestmark = pytest.mark.slow  # builds nop with the real toolchain and runs it natively

NOP = ["-r", "native:default", "-w", "nop", "--size", "test", "--runs", "3"]


def test_pytest_settings_cannot_disable_or_change_a_suite(tmp_path):
    environment = {**os.environ, "PYTEST_ADDOPTS": "--benchmark-disable --benchmark-min-rounds=50 -x"}
    command = [sys.executable, "-m", "wasmbench", "run", *NOP, "-o", "r.json"]
    answer = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert answer.returncode == 0, answer.stderr[-2000:]
    [entry] = json.loads((tmp_path / "r.json").read_text())["benchmarks"]
    assert entry["stats"]["rounds"] == 3 and len(entry["extra_info"]["runs"]) == 3


def test_repeated_runtimes_workloads_and_sizes_measure_each_pair_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    repeated = [*NOP, "-r", "native:default", "-w", "nop", "--size", "test", "-o", "r.json"]
    assert main(["run", *repeated]) == 0
    document = json.loads((tmp_path / "r.json").read_text())
    assert [entry["param"] for entry in document["benchmarks"]] == ["nop/test/native/default"]
    assert document["benchmarks"][0]["stats"]["rounds"] == 3


def test_a_harness_error_is_one_line_naming_the_pair_and_keeps_the_journal(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def broken(self, jobs, round_index, rng):
        self.current = jobs[0].pair
        raise RuntimeError("a bug in the loop")

    monkeypatch.setattr(Engine, "_round", broken)
    assert main(["run", *NOP, "-o", "r.json"]) == 1
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if line.startswith("wasmbench:")]
    assert "Traceback" not in err
    assert "harness error while measuring nop/test/native/default: RuntimeError: a bug in the loop" in line
    assert "Traceback" in (tmp_path / "r.traceback.txt").read_text()
    assert (tmp_path / "r.jsonl").exists(), "the journal is kept for --resume"


@pytest.fixture
def crashing_runs(monkeypatch):
    """Every run ends as if killed by SIGSEGV (as wasmedge:jit does on inference with 0.17.1)."""
    real = job.validate
    monkeypatch.setattr(
        job, "validate", lambda outcome, *rest: real(replace(outcome, exit_code=None, signal=11), *rest)
    )


def test_a_suite_that_completed_with_crashing_runs_exits_0_and_names_them(
    tmp_path, monkeypatch, capsys, crashing_runs
):
    monkeypatch.chdir(tmp_path)
    assert main(["run", *NOP, "-o", "r.json"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        "failed runs: native:default nop/test crashed × 3 "
        "(measured and reported; --strict makes them exit status 1)"
    )
    assert (tmp_path / "r.json").exists() and not (tmp_path / "r.jsonl").exists()


def test_strict_makes_a_failed_run_exit_1(tmp_path, monkeypatch, capsys, crashing_runs):
    monkeypatch.chdir(tmp_path)
    assert main(["run", *NOP, "--strict", "-o", "r.json"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("failed runs: native:default nop/test crashed")
