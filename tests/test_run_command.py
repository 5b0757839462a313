"""``wasmbench run`` on its own loop: what pytest's settings cannot change, merged repeats, and a
harness error reported in one line with the journal kept (real native nop runs: seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from wasmbench.cli import main
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
