"""A program named on the command line (``-w PATH``) is made into a manifest entry: what it is
built from, its arguments at every size, its check and inputs; and every mistake is one line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from wasmbench.build.adhoc import AdHocOptions, is_program_path
from wasmbench.build.manifest import NATIVE_REFERENCE, load_manifest
from wasmbench.cli import main
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.options import SuiteOptions
from wasmbench.measuring.suite import Suite, suite_workloads

PROGRAMS = Path(__file__).with_name("programs") / "own"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "suite"


@pytest.fixture
def module(tmp_path) -> Path:
    path = tmp_path / "module.wasm"
    path.write_bytes((EXAMPLE / "fib.wasm").read_bytes())
    return path


@pytest.mark.parametrize(
    ("value", "expected"),
    [("./nbody", True), ("prog.c", True), ("module.wasm", True), ("nbody", False), ("spectralnorm", False)],
)
def test_a_path_is_a_program_and_a_bare_name_a_manifest_key(value, expected):
    assert is_program_path(value, load_manifest()) is expected


def test_a_bare_name_that_is_no_manifest_key_but_exists_is_a_program(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    assert is_program_path("mine", load_manifest())


def test_a_c_file_is_built_from_source_and_checked_against_its_native_build():
    workload = AdHocOptions(args=("1000",)).workload(str(PROGRAMS / "reader.c"), ["test", "default"])
    assert (workload.name, workload.sources) == ("reader", (PROGRAMS / "reader.c",))
    assert set(workload.sizes) == {"test", "default"}
    assert workload.size("test").args == ("1000",)
    assert workload.reference_mode("test") == NATIVE_REFERENCE


def test_a_folder_is_built_from_every_c_file_in_it():
    workload = AdHocOptions().workload(str(PROGRAMS / "multi"), ["default"])
    assert workload.name == "multi"
    assert [source.name for source in workload.sources] == ["main.c", "squares.c"]


def test_a_module_is_checked_against_the_reference_mode_or_its_native_build(module, tmp_path):
    by_reference = AdHocOptions(reference="wasmtime:jit").workload(str(module), ["default"])
    assert by_reference.prebuilt == {"wasm32-wasi": module} and not by_reference.sources
    assert by_reference.reference_mode("default") == "wasmtime:jit"
    native = tmp_path / "module-native"
    native.write_bytes(b"\x7fELF")
    with_native = AdHocOptions(native=str(native)).workload(str(module), ["default"])
    assert with_native.prebuilt["native"] == native
    assert with_native.reference_mode("default") == NATIVE_REFERENCE


def test_expected_output_exit_status_and_inputs_of_the_users_own(tmp_path):
    expected = tmp_path / "expected.txt"
    expected.write_bytes(b"42\n")
    data = tmp_path / "data.bin"
    data.write_bytes(b"12345")
    options = AdHocOptions(expect_file=str(expected), expect_exit=3, inputs=(str(data),))
    spec = options.workload(str(PROGRAMS / "reader.c"), ["test"]).size("test")
    assert (spec.stdout_sha256, spec.stdout_bytes) == (hashlib.sha256(b"42\n").hexdigest(), 3)
    assert (spec.exit_code, spec.inputs) == (3, (str(data),))
    digest = AdHocOptions(expect_sha256="ab" * 32).workload(str(PROGRAMS / "reader.c"), ["test"])
    assert (digest.size("test").stdout_sha256, digest.size("test").stdout_bytes) == ("ab" * 32, None)


@pytest.mark.parametrize(
    ("options", "path", "message"),
    [
        (AdHocOptions(), "module", "-w .*module.wasm: nothing to check its output against: give its native"),
        (AdHocOptions(native="x"), "reader", "--native goes with a prebuilt module"),
        (
            AdHocOptions(reference="wasmtime:jit", expect_sha256="0" * 64),
            "reader",
            "--reference and --expect-sha256 each give the expected output: give one",
        ),
        (AdHocOptions(reference="wasmtime"), "reader", "reference must be a runtime mode RUNTIME:MODE"),
        (AdHocOptions(inputs=("missing.bin",)), "reader", "inputs: .*missing.bin is missing"),
        (AdHocOptions(), "nowhere", "-w .*nowhere.c: no such file or folder"),
    ],
    ids=[
        "module-unchecked",
        "native-with-c",
        "two-expectations",
        "reference-shape",
        "input-missing",
        "missing",
    ],
)
def test_a_mistake_is_one_error(module, options, path, message):
    value = {"module": str(module), "reader": str(PROGRAMS / "reader.c"), "nowhere": "nowhere.c"}[path]
    with pytest.raises(WasmbenchError, match=message):
        options.workload(value, ["default"])


def test_programs_join_the_manifest_and_are_selected_by_their_names():
    options = SuiteOptions(workloads=["nbody", str(PROGRAMS / "divergent.c")], sizes=["test"])
    manifest, names = suite_workloads(options)
    assert names == ["nbody", "divergent"]
    assert "binarytrees" in manifest and manifest["divergent"].sources == (PROGRAMS / "divergent.c",)


def test_a_program_named_like_a_workload_of_the_suite_is_refused(tmp_path):
    clash = tmp_path / "nbody.c"
    clash.write_text("int main(void) { return 0; }\n")
    with pytest.raises(WasmbenchError, match="its name 'nbody' is a workload of the suite already"):
        suite_workloads(SuiteOptions(workloads=[str(clash)]))


def test_the_programs_options_without_a_program_are_refused(capsys, tmp_path):
    code = main(["run", "-w", "nbody", "--expect-exit", "3", "-o", str(tmp_path / "r.json"), "--", "7"])
    assert code == 2
    assert capsys.readouterr().err == (
        "wasmbench: error: --expect-exit, arguments after --: only with -w PATH (a program of your own)\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--expect-sha256", "abc"], "--expect-sha256 must be 64 hexadecimal digits, not 'abc'"),
        (["--expect-exit", "256"], "--expect-exit must be an exit status 0-255, not 256"),
    ],
)
def test_a_malformed_expectation_is_one_line(capsys, tmp_path, argv, message):
    code = main(["run", "-w", str(PROGRAMS / "reader.c"), *argv, "-o", str(tmp_path / "r.json")])
    assert code == 2
    assert capsys.readouterr().err == f"wasmbench: error: {message}\n"


def test_a_suite_of_a_program_resumes_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(PROGRAMS)
    options = SuiteOptions(
        workloads=["multi/"], runtimes=["native:default"], sizes=["test"], args=["10"], inputs=["reader.c"]
    )
    Suite.create(options, tmp_path / "suite.jsonl").journal.close()
    monkeypatch.chdir(tmp_path)
    resumed = Suite.resume(tmp_path / "suite.jsonl")
    try:
        multi = resumed.manifest["multi"]
        assert multi.sources == (PROGRAMS / "multi" / "main.c", PROGRAMS / "multi" / "squares.c")
        assert multi.size("test").inputs == (str(PROGRAMS / "reader.c"),)
        assert [pair.key for pair in resumed.journal.pending()] == ["multi/test/native/default"]
    finally:
        resumed.close()
