"""A user's own programs, end to end: a C file, a folder of C files, a prebuilt module and a suite
folder are built with the built-ins' toolchain, run under native, wasmtime and node, and every run
validated against the native build's output or a reference mode's; a program whose output differs
between native and WebAssembly is ``wrong_output`` exactly in the WebAssembly modes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from wasmbench.build.toolchain import Toolchain, helper_program
from wasmbench.cli import main

pytestmark = pytest.mark.slow  # real builds (native and wasm32-wasi) and runs

PROGRAMS = Path(__file__).with_name("programs") / "own"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "suite"
MODES = ["-r", "native:default", "-r", "wasmtime:jit", "-r", "node:default"]
QUICK = ["--runs", "1", "--warmup", "0", "--max-repeats", "0", "--size", "test"]
BY_NATIVE = "stdout equal to the native build's, byte for byte"


def suite(tmp_path: Path, monkeypatch, *argv: str) -> tuple[int, dict]:
    """Run ``wasmbench run ARGV`` in ``tmp_path``: its exit status and result document."""
    monkeypatch.chdir(tmp_path)
    code = main(["run", *QUICK, "-o", "r.json", *argv])
    result = tmp_path / "r.json"
    return code, json.loads(result.read_text()) if result.exists() else {}


def outcomes(document: dict) -> dict[str, tuple[str, ...]]:
    """``workload/size/runtime/mode`` -> the statuses of its runs."""
    return {
        entry["param"]: tuple(run["status"] for run in entry["extra_info"]["runs"])
        for entry in [*document["benchmarks"], *document["wasmbench"]["failed"]]
    }


def infos(document: dict) -> dict[str, dict]:
    return {entry["param"]: entry["extra_info"] for entry in document["benchmarks"]}


def test_a_c_file_is_built_run_in_every_mode_and_checked_against_its_native_build(tmp_path, monkeypatch):
    code, document = suite(tmp_path, monkeypatch, *MODES, "-w", str(EXAMPLE / "primes.c"), "--", "1000")
    assert code == 0
    assert outcomes(document) == {
        "primes/test/native/default": ("ok",),
        "primes/test/wasmtime/jit": ("ok",),
        "primes/test/node/default": ("ok",),
    }
    expected = hashlib.sha256(b"168 primes below 1000, sum 76127\n").hexdigest()
    for info in infos(document).values():
        assert info["validation"] == BY_NATIVE and info["args"] == ["1000"]
        assert info["runs"][0]["stdout_sha256"] == expected


def test_a_folder_of_c_files_and_a_header_is_one_program(tmp_path, monkeypatch):
    code, document = suite(tmp_path, monkeypatch, *MODES[:4], "-w", str(PROGRAMS / "multi"), "--", "100")
    assert code == 0
    assert set(outcomes(document).values()) == {("ok",)} and len(outcomes(document)) == 2
    expected = hashlib.sha256(b"sum of squares 1..100 = 338350\n").hexdigest()
    assert {info["runs"][0]["stdout_sha256"] for info in infos(document).values()} == {expected}


def test_a_prebuilt_module_is_checked_against_the_reference_mode(tmp_path, monkeypatch):
    argv = [*MODES, "-w", str(EXAMPLE / "fib.wasm"), "--reference", "wasmtime:jit", "--", "20"]
    code, document = suite(tmp_path, monkeypatch, *argv)
    assert code == 0
    assert outcomes(document) == {"fib/test/wasmtime/jit": ("ok",), "fib/test/node/default": ("ok",)}
    assert {info["validation"] for info in infos(document).values()} == {
        "stdout equal to wasmtime:jit's, byte for byte"
    }
    [skipped] = [skip for skip in document["wasmbench"]["skipped"] if skip["runtime"] == "native"]
    assert skipped["workloads"] == ["fib"] and "without a native build" in skipped["reason"]


def test_a_prebuilt_module_with_its_native_build_has_the_native_baseline(tmp_path, monkeypatch):
    native = Toolchain().build(helper_program(EXAMPLE / "fib.c"), "native").path
    argv = [*MODES[:4], "-w", str(EXAMPLE / "fib.wasm"), "--native", str(native), "--", "20"]
    code, document = suite(tmp_path, monkeypatch, *argv)
    assert code == 0
    assert outcomes(document) == {"fib/test/native/default": ("ok",), "fib/test/wasmtime/jit": ("ok",)}
    assert infos(document)["fib/test/native/default"]["artefact"]["path"] == str(native)
    assert {info["validation"] for info in infos(document).values()} == {BY_NATIVE}


def test_a_program_that_prints_where_it_runs_is_wrong_output_in_the_webassembly_modes(tmp_path, monkeypatch):
    code, document = suite(tmp_path, monkeypatch, *MODES, "-w", str(PROGRAMS / "divergent.c"))
    assert code == 0, "a wrong output is a result of the suite"
    assert outcomes(document) == {
        "divergent/test/native/default": ("ok",),
        "divergent/test/wasmtime/jit": ("wrong_output",),
        "divergent/test/node/default": ("wrong_output",),
    }
    [wrong, _] = document["wasmbench"]["failed"]
    assert "differs from the native build's output" in wrong["extra_info"]["runs"][0]["detail"]


def test_inputs_are_staged_and_the_expected_exit_status_is_every_runs(tmp_path, monkeypatch):
    data = tmp_path / "data.bin"
    data.write_bytes(b"x" * 1234)
    program = ["-w", str(PROGRAMS / "reader.c"), "--input", str(data)]
    code, document = suite(
        tmp_path, monkeypatch, *MODES[:4], *program, "--expect-exit", "3", "--", "data.bin", "3"
    )
    assert code == 0
    assert set(outcomes(document).values()) == {("ok",)} and len(outcomes(document)) == 2
    expected = hashlib.sha256(b"data.bin: 1234 bytes\n").hexdigest()
    assert {info["runs"][0]["stdout_sha256"] for info in infos(document).values()} == {expected}


def test_a_reference_run_that_fails_stops_the_suite_in_one_line(tmp_path, monkeypatch, capsys):
    program = ["-w", str(PROGRAMS / "reader.c"), "--", "absent.bin", "0"]
    code, _ = suite(tmp_path, monkeypatch, *MODES[:4], *program)
    error = capsys.readouterr().err.splitlines()[-1]  # after the build's progress bar
    assert code == 2
    assert error.startswith(
        "wasmbench: error: the reference run of reader/test under native:default failed "
        "(crashed: exit status 66; stderr: absent.bin: No such file or directory)"
    )


def test_an_expected_digest_of_the_users_own_judges_every_mode(tmp_path, monkeypatch):
    argv = [*MODES[:4], "-w", str(PROGRAMS / "multi"), "--expect-sha256", "0" * 64, "--", "100"]
    code, document = suite(tmp_path, monkeypatch, *argv)
    assert code == 0
    assert set(outcomes(document).values()) == {("wrong_output",)}


def test_a_suite_folder_with_per_target_flags_a_module_and_a_subset_of_sizes(tmp_path, monkeypatch):
    argv = ["--workloads", str(EXAMPLE), *MODES[:4], "--size", "large"]
    code, document = suite(tmp_path, monkeypatch, *argv)
    assert code == 0
    assert outcomes(document) == {
        "primes/test/native/default": ("ok",),
        "primes/test/wasmtime/jit": ("ok",),
        "primes/large/native/default": ("ok",),
        "primes/large/wasmtime/jit": ("ok",),
        "matmul/test/native/default": ("ok",),
        "matmul/test/wasmtime/jit": ("ok",),  # linked with WASI's emulated process clocks
        "fib/test/wasmtime/jit": ("ok",),  # its expected output from fib-test.txt
    }, "matmul and fib have no size large; fib has no native build"
