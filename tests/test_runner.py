"""The runner interface: discovery through entry points, names, and the cached, timed prepare step."""

from pathlib import Path

import pytest

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.execution.supervision import ProcessResult
from wasmbench.execution.usage import Usage
from wasmbench.runtimes.runner import Availability, Runner, RunOutcome, discover_runners, parse_runner_spec


def test_native_and_wasmtime_are_found_through_entry_points():
    runners = discover_runners()
    assert {"native", "wasmtime"} <= set(runners)
    assert all(isinstance(runner, Runner) for runner in runners.values())


def test_a_runtime_spec_selects_its_default_modes_or_one():
    runners = discover_runners()
    runner, modes = parse_runner_spec("wasmtime", runners)
    assert modes == list(runner.modes)
    assert parse_runner_spec("wasmtime:embedded", runners)[1] == ["embedded"]


def test_interpreter_modes_run_only_when_named_or_with_all_modes():
    runners = discover_runners()
    assert parse_runner_spec("wasmedge", runners)[1] == ["jit", "aot"]
    assert parse_runner_spec("wasmedge", runners, all_modes=True)[1] == ["interpreter", "jit", "aot"]
    assert parse_runner_spec("wasmedge:interpreter", runners)[1] == ["interpreter"]
    assert parse_runner_spec("wasm3", runners)[1] == []


def test_every_suite_gets_runners_of_its_own():
    first, second = discover_runners(), discover_runners()
    assert all(first[name] is not second[name] for name in first)
    emulated = first["docker"].emulated(None)
    assert emulated is not first["docker"] and type(emulated) is type(first["docker"])


@pytest.mark.parametrize(
    ("spec", "message"), [("lucid", "unknown runtime 'lucid'"), ("native:jit", "no mode 'jit'")]
)
def test_unknown_names_are_errors_that_list_the_known_ones(spec, message):
    with pytest.raises(WasmbenchError, match=message):
        parse_runner_spec(spec, discover_runners())


class CountingRunner(Runner):
    """A runner whose ``aot`` mode copies the artefact, counting compilations."""

    name = "counting"
    title = "counting"
    target = "native"
    modes = ("plain", "aot")
    prepared_modes = frozenset({"aot"})

    def __init__(self) -> None:
        self.compiled = 0
        self.release = "1.0"

    def availability(self) -> Availability:
        return Availability.yes()

    def version(self) -> dict[str, str]:
        return {"counting": self.release}

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        self.compiled += 1
        destination.write_bytes(source.read_bytes()[::-1])

    def run(self, prepared, invocation):
        raise NotImplementedError


@pytest.fixture
def artefact(tmp_path) -> Artefact:
    path = tmp_path / "program"
    path.write_bytes(b"abc")
    return Artefact("program", "x86_64-linux", path, "a" * 64, ("-O2",), cached=False)


def test_modes_without_a_prepare_step_run_the_artefact_itself(artefact, tmp_path):
    prepared = CountingRunner().prepare(artefact, "plain", tmp_path / "cache")
    assert prepared.path == artefact.path
    assert prepared.prepare_ns is None


def test_prepare_is_timed_once_then_cached_with_its_original_time(artefact, tmp_path):
    runner = CountingRunner()
    first = runner.prepare(artefact, "aot", tmp_path / "cache")
    second = runner.prepare(artefact, "aot", tmp_path / "cache")
    assert runner.compiled == 1
    assert first.path.read_bytes() == b"cba"
    assert (first.cached, second.cached) == (False, True)
    assert second.prepare_ns == first.prepare_ns > 0


def test_a_new_runtime_version_prepares_again(artefact, tmp_path):
    runner = CountingRunner()
    runner.prepare(artefact, "aot", tmp_path / "cache")
    runner.release = "2.0"
    assert not runner.prepare(artefact, "aot", tmp_path / "cache").cached
    assert runner.compiled == 2


def test_a_runtime_that_failed_to_start_is_an_outcome_with_nothing_measured():
    outcome = RunOutcome.failure("FileNotFoundError: wasmtime")
    assert outcome.usage == Usage.zero()
    assert (outcome.exit_code, outcome.error, outcome.trap) == (None, "FileNotFoundError: wasmtime", None)


def test_a_forks_report_gives_the_wall_time_the_rusage_the_rest():
    result = ProcessResult(Usage(999, 0.5, 0.1, 4096), exit_code=0, signal=None, timed_out=False)
    report = {"wall_ns": 700, "exit_code": None, "phases_ns": {"run": 600}, "trap": "wasm trap: unreachable"}
    outcome = RunOutcome.from_fork(result, report, "wasmer-sdk")
    assert outcome.usage == Usage(700, 0.5, 0.1, 4096)
    assert (outcome.trap, outcome.error, outcome.phases_ns) == ("wasm trap: unreachable", None, {"run": 600})


def test_a_fork_that_died_without_a_report_is_an_error():
    result = ProcessResult(Usage(999, 0.5, 0.1, 4096), exit_code=None, signal=11, timed_out=False)
    assert RunOutcome.from_fork(result, None, "wasmtime").error == "the wasmtime child died (signal 11)"
