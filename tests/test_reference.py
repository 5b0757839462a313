"""A size checked against a reference run: the run is made once, like a measured one (inputs
staged, same arguments), its output becomes the expected one, and it is cached by what could
change it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from wasmbench.build.inputs import InputStore
from wasmbench.build.manifest import SizeSpec, Workload
from wasmbench.build.toolchain import WASM_TARGET, Toolchain
from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.measuring.reference import ReferenceOutputs
from wasmbench.runtimes.runner import WASM, Declaration, Invocation, Mode, Prepared, Runner, RunOutcome


class Echo(Runner):
    """Prints its arguments and the files of its working directory; exits with ``exit_code``."""

    declaration = Declaration("echo", "echo", (Mode("m", WASM),))

    def __init__(self, exit_code: int = 0) -> None:
        self.exit_code = exit_code
        self.runs = 0

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        self.runs += 1
        staged = sorted(path.name for path in invocation.workdir.iterdir())
        invocation.stdout.write_text(f"{' '.join(invocation.args)} {' '.join(staged)}\n")
        return RunOutcome(Usage(1000, 0.0, 0.0, 1024), exit_code=self.exit_code)


@pytest.fixture
def module_workload(tmp_path, monkeypatch) -> Workload:
    """A prebuilt module checked against ``echo:m``'s output, reading ``data.bin``."""
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path / "cache"))
    module = tmp_path / "m.wasm"
    module.write_bytes(b"\0asm\1\0\0\0")
    data = tmp_path / "data.bin"
    data.write_text("1")
    spec = SizeSpec(args=("a", "b"), inputs=(str(data),), check="reference")
    return Workload(
        "m",
        "m",
        "",
        None,
        (),
        {"test": spec},
        prebuilt={WASM_TARGET: module},
        reference="echo:m",
        folder=tmp_path,
    )


def references(tmp_path: Path, runner: Runner) -> ReferenceOutputs:
    return ReferenceOutputs({"echo": runner}, Toolchain(root=tmp_path), InputStore(tmp_path), 10.0, tmp_path)


def test_the_reference_runs_output_is_the_expected_one_and_cached(tmp_path, module_workload):
    runner = Echo()
    expected = references(tmp_path, runner).check(module_workload, "test")
    printed = b"a b data.bin\n"
    assert (expected.sha256, expected.length) == (hashlib.sha256(printed).hexdigest(), len(printed))
    assert expected.mismatch(printed) is None and "echo:m's output" in expected.mismatch(b"other\n")
    assert expected.description == "stdout equal to echo:m's, byte for byte"
    again = Echo()
    assert references(tmp_path, again).check(module_workload, "test") == expected
    assert (runner.runs, again.runs) == (1, 0), "the second suite finds it in the cache"


def test_a_changed_input_makes_a_new_reference_run(tmp_path, module_workload):
    references(tmp_path, Echo()).check(module_workload, "test")
    (tmp_path / "data.bin").write_text("2")
    runner = Echo()
    references(tmp_path, runner).check(module_workload, "test")
    assert runner.runs == 1


def test_a_reference_run_that_fails_is_an_error(tmp_path, module_workload):
    with pytest.raises(
        WasmbenchError, match=r"the reference run of m/test under echo:m failed \(crashed: exit"
    ):
        references(tmp_path, Echo(exit_code=3)).check(module_workload, "test")


def test_the_expected_exit_status_is_the_reference_runs_too(tmp_path, module_workload):
    spec = replace(module_workload.size("test"), exit_code=3)
    workload = replace(module_workload, sizes={"test": spec})
    expected = references(tmp_path, Echo(exit_code=3)).check(workload, "test")
    assert expected.exit_code == 3
