"""The whole path as a user takes it: ``wasmbench run`` builds, measures, validates and keeps results.

These run the real CLI in a subprocess on the real workloads at ``test`` size, natively and under
wasmtime; they take a minute the first time (the compiler builds its wasm libc) and seconds after.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wasmbench.build.manifest import load_manifest, workloads_dir
from wasmbench.runners.wasmtime import WasmtimeRunner

pytestmark = pytest.mark.slow
WORKLOADS = list(load_manifest())


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


def command_line(command: str) -> list[str]:
    return [sys.executable, "-m", "wasmbench", *shlex.split(command)]


def environment(cache: Path, **extra: str) -> dict[str, str]:
    """The user's environment with a build cache of this test module's own."""
    return {**os.environ, "WASMBENCH_CACHE": str(cache), **extra}


def wasmbench(cwd: Path, cache: Path, command: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``wasmbench COMMAND`` as a user would."""
    return subprocess.run(
        command_line(command),
        cwd=cwd,
        env=environment(cache, **env),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_all_workloads_native_and_wasm_validated_written_and_read_back(tmp_path, cache):
    result = wasmbench(
        tmp_path, cache, "run -r native -r wasmtime --size test --runs 2 --max-repeats 0 -o results/e2e.json"
    )
    assert result.returncode == 0, result.stderr + result.stdout
    document = json.loads((tmp_path / "results/e2e.json").read_text())
    entries = {entry["param"]: entry for entry in document["benchmarks"]}
    wasmtime = WasmtimeRunner.declaration
    selected = wasmtime.regular_modes()
    plain = [mode for mode in selected if wasmtime.mode(mode).variant is None]
    modes = ["native/default", "native/host", *(f"wasmtime/{mode}" for mode in plain)]
    variant_modes = [f"wasmtime/{mode}" for mode in selected if mode not in plain]  # inference only
    assert set(entries) == {f"{w}/test/{m}" for w in WORKLOADS for m in modes} | {
        f"inference/test/{m}" for m in variant_modes
    }
    for entry in entries.values():
        runs = entry["extra_info"]["runs"]
        assert [run["status"] for run in runs] == ["ok", "ok"]
        assert all(run["wall_ns"] > 0 and run["max_rss_kib"] > 0 for run in runs)
        assert entry["stats"]["rounds"] == 2
    wasm = entries["nbody/test/wasmtime/embedded+simd"]["extra_info"]
    assert set(wasm["runs"][0]["phases_ns"]) == {"compile", "instantiate", "execute"}
    assert wasm["artefact"]["target"] == "wasm32-wasi-simd"
    assert "simd128" in wasm["artefact"]["wasm_features"]
    assert "-ffp-contract=off" in wasm["artefact"]["flags"]
    info = document["machine_info"]
    for key in (
        "hostname",
        "arch",
        "cpu_model",
        "cores",
        "memory_bytes",
        "kernel",
        "os",
        "toolchain",
        "runtimes",
    ):
        assert key in info
    assert info["toolchain"]["clang_version"].startswith("clang version")
    assert "commit_info" in document
    assert not (tmp_path / "results/e2e.jsonl").exists(), (
        "a complete suite's journal is folded into the result"
    )
    report = wasmbench(tmp_path, cache, "report results/e2e.json")
    assert report.returncode == 0, report.stderr
    assert re.search(r"\| native \| .*\d+\.\d+ ± \d+\.\d+ \(2\)", report.stdout)
    written = {path.name for path in (tmp_path / "results/report").iterdir()}
    assert {"report.md", "report.html", "runs.csv", "summary.json", "time.png", "ratio.svg"} <= written
    inference = [run for mode in modes for run in entries[f"inference/test/{mode}"]["extra_info"]["runs"]]
    assert len({run["stdout_sha256"] for run in inference}) == 1, "native and wasm print the same bytes"
    same_bytes = ", ".join(["native", "native:host", *(f"wasmtime:{mode}" for mode in sorted(plain))])
    # wasmtime:nn's host arithmetic may differ: it is judged by its classes, and said to be
    assert f"…) in {same_bytes}; classes match (labels-only check) in wasmtime:nn+simd\n" in report.stdout
    assert "stdout differs" not in report.stdout
    assert "coffee.ppm: espresso 0.96" in report.stdout and "chelsea.ppm: Egyptian cat" in report.stdout


def test_the_simd_build_runs_beside_the_scalar_one_validated_and_recorded(tmp_path, cache):
    command = "run -r native:default -r wasmtime:jit -r wasmtime:jit+simd -r wasm3:interpreter+simd"
    result = wasmbench(tmp_path, cache, f"{command} -w nbody --size test --runs 1 -o results/simd.json")
    assert result.returncode == 0, result.stderr + result.stdout
    document = json.loads((tmp_path / "results/simd.json").read_text())
    entries = {entry["param"]: entry["extra_info"] for entry in document["benchmarks"]}
    scalar, simd = entries["nbody/test/wasmtime/jit"], entries["nbody/test/wasmtime/jit+simd"]
    assert (scalar["artefact"]["target"], simd["artefact"]["target"]) == ("wasm32-wasi", "wasm32-wasi-simd")
    assert "simd128" in simd["artefact"]["wasm_features"]
    assert "simd128" not in scalar["artefact"]["wasm_features"]
    assert simd["mode_flags"] == scalar["mode_flags"], "the same mode, another build"
    outputs = {
        run["stdout_sha256"] for entry in entries.values() for run in entry["runs"] if run["status"] == "ok"
    }
    assert len(outputs) == 1 and len(entries) == 3, "native's output, byte for byte, in both builds"
    [skipped] = document["wasmbench"]["skipped"]
    assert (skipped["runtime"], skipped["mode"]) == ("wasm3", "interpreter+simd")
    assert skipped["reason"].startswith("wasm3 implements no SIMD")
    assert "| wasmtime:jit+simd |" in result.stdout


def test_a_wrong_expected_output_fails_that_workload_and_keeps_the_others(tmp_path, cache):
    workloads = shutil.copytree(workloads_dir(), tmp_path / "workloads")
    manifest = workloads / "manifest.toml"
    expected = load_manifest(manifest)["nbody"].sizes["test"].stdout_sha256
    manifest.write_text(manifest.read_text().replace(expected, "0" * 64, 1))
    result = wasmbench(
        tmp_path,
        cache,
        "run -r native:default --size test --runs 2 --strict -o results/wrong.json",
        WASMBENCH_WORKLOADS=str(workloads),
    )
    assert result.returncode == 1, "--strict: a failed run fails the suite"
    assert "Failed runs" in result.stdout and "nbody · native: 2 wrong_output of 2 runs" in result.stdout
    document = json.loads((tmp_path / "results/wrong.json").read_text())
    assert [entry["param"] for entry in document["wasmbench"]["failed"]] == ["nbody/test/native/default"]
    assert {entry["extra_info"]["workload"] for entry in document["benchmarks"]} == set(WORKLOADS) - {"nbody"}


def test_a_hung_run_times_out_and_the_suite_goes_on(tmp_path, cache):
    result = wasmbench(
        tmp_path,
        cache,
        "run -r native:default -w nop -w nbody --size default --runs 3 --timeout 0.05 "
        "-o results/timeout.json",
    )
    assert result.returncode == 0, "the suite completed: a timeout is a result"
    assert result.stdout.splitlines()[-1].startswith("failed runs: native:default nbody/default timeout × 1")
    document = json.loads((tmp_path / "results/timeout.json").read_text())
    [failed] = document["wasmbench"]["failed"]
    assert [run["status"] for run in failed["extra_info"]["runs"]] == ["timeout"]
    [nop] = document["benchmarks"]
    assert nop["extra_info"]["status_counts"] == {"ok": 3}


def test_an_interrupted_suite_keeps_its_runs_and_resumes(tmp_path, cache):
    journal = tmp_path / "results/l.jsonl"
    wasmbench(tmp_path, cache, "build -w nbody -w mandelbrot")
    suite = (
        "run -r wasmtime:embedded -w nbody -w mandelbrot --size test --runs 25 --warmup 0 -o results/l.json"
    )
    process = subprocess.Popen(
        command_line(suite),
        cwd=tmp_path,
        env=environment(cache),
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # `&` in a shell ignores it
    )
    deadline = time.monotonic() + 120
    while _run_lines(journal) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "wasmbench run --resume" in out
    before = _run_lines(journal)
    assert 5 <= before < 50
    kept = journal.read_text().splitlines()

    resumed = wasmbench(tmp_path, cache, "run --resume")
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    document = json.loads((tmp_path / "results/l.json").read_text())
    runs = [run for entry in document["benchmarks"] for run in entry["extra_info"]["runs"]]
    assert len(runs) == 50
    measured_before = [json.loads(line)["measurement"] for line in kept if '"type":"run"' in line]
    assert all(run in runs for run in measured_before)


@pytest.mark.parametrize(
    ("limits", "reason", "runs"),
    [("--ci-target 1000", "ci target reached", 5), ("--ci-target 0.0001 --max-runs 6", "max runs", 6)],
)
def test_runs_auto_stops_each_pair_and_records_why(tmp_path, cache, limits, reason, runs):
    command = f"run -r native:default -w nop --size test --runs auto {limits} -o results/auto.json"
    result = wasmbench(tmp_path, cache, command)
    assert result.returncode == 0, result.stderr + result.stdout
    [entry] = json.loads((tmp_path / "results/auto.json").read_text())["benchmarks"]
    assert entry["extra_info"]["stop_reason"] == reason
    assert len(entry["extra_info"]["runs"]) == runs


def _run_lines(journal: Path) -> int:
    return journal.read_text().count('"type":"run"') if journal.exists() else 0
