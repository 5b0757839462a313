"""The runner protocol: discovery through entry points, the selection, the cached and timed prepare
step, and a runtime added with nothing but a declaration and a run."""

from dataclasses import replace
from pathlib import Path

import pytest

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.execution.supervision import ProcessResult
from wasmbench.execution.usage import Usage
from wasmbench.runtimes.emulation import EmulatedRunner, parse_emulation
from wasmbench.runtimes.preparation import prepared
from wasmbench.runtimes.registry import create_runners, representative, runner_for, select
from wasmbench.runtimes.runner import (
    NATIVE,
    WASM,
    WASM_SIMD,
    Availability,
    Declaration,
    Invocation,
    Mode,
    Prepared,
    Runner,
    RunOutcome,
    WarmHost,
    availability_of,
)
from wasmbench.runtimes.versions import split_version


def test_native_and_wasmtime_are_found_through_entry_points():
    runners = create_runners()
    assert {"native", "wasmtime"} <= set(runners)
    assert all(isinstance(runner, Runner) for runner in runners.values())
    assert all(runner.declaration.name == name for name, runner in runners.items())


def test_a_runtime_named_alone_selects_its_regular_modes_or_one():
    runners = create_runners()
    assert select(["wasmtime"], runners) == [
        ("wasmtime", f"{mode}+simd") for mode in ("embedded", "embedded-aot", "jit", "aot", "nn")
    ]
    assert select(["wasmtime:embedded"], runners) == [("wasmtime", "embedded")]


def test_interpreter_modes_run_only_when_named_or_with_all_modes():
    runners = create_runners()
    assert select(["wasmedge"], runners) == [("wasmedge", "jit+simd"), ("wasmedge", "aot+simd")]
    assert [mode for _, mode in select(["wasmedge"], runners, all_modes=True)] == [
        "interpreter",
        "interpreter+simd",
        "jit",
        "jit+simd",
        "aot",
        "aot+simd",
    ]
    assert select(["wasmedge:interpreter"], runners) == [("wasmedge", "interpreter")]
    assert select(["wasm3"], runners) == [("wasm3", "interpreter"), ("wasm3", "interpreter+simd")], (
        "its only mode, opt-in, when named, in both builds"
    )


def test_the_default_selection_is_one_representative_mode_per_runtime():
    runners = create_runners()
    selected = select([], runners)
    expected = {
        ("native", "default"),
        ("native", "host"),
        ("docker", "run"),
        ("wasmtime", "aot+simd"),
        ("wasmtime", "nn+simd"),
        ("node", "default+simd"),
        ("wasmedge", "aot+simd"),
        ("wavm", "aot+simd"),
        ("wamr", "aot+simd"),
        ("lucet", "aot+simd"),
    }
    assert expected <= set(selected)
    assert [mode for runtime, mode in selected if runtime == "wasmer"] == representative(runners["wasmer"])
    assert not {mode.partition("+")[0] for _, mode in selected} & {
        "interpreter",
        "embedded",
        "jit",
        "exec",
        "baseline",
    }
    assert len(select([], runners, all_modes=True)) == sum(
        len(runner.declaration.modes) for runner in runners.values()
    )


def test_of_several_representative_modes_the_first_available_one_is_taken():
    class Choosy(FakeRuntime):
        declaration = Declaration(
            "choosy", "choosy", (Mode("fast", NATIVE), Mode("slow", NATIVE)), (("fast", "slow"),)
        )

        def availability(self, mode):
            return Availability.yes() if mode == "slow" else Availability.no("not here")

    assert representative(Choosy()) == ["slow"]
    assert representative(FakeRuntime()) == ["plain"]


class Simd(Runner):
    """A wasm runtime that runs SIMD in one of its two modes, and notes what it is asked."""

    declaration = Declaration(
        "simd", "simd", (Mode("fast"), Mode("plain", no_simd="no SIMD here"), Mode("native", NATIVE))
    )

    def __init__(self) -> None:
        self.asked: list[str] = []

    def availability(self, mode: str) -> Availability:
        self.asked.append(mode)
        return Availability.yes()

    def run(self, prepared, invocation):
        raise NotImplementedError


def test_every_wasm_mode_has_a_simd_twin_right_after_it_that_takes_the_simd_build():
    modes = Simd.declaration.modes
    assert [(mode.name, mode.target) for mode in modes] == [
        ("fast", WASM),
        ("fast+simd", WASM_SIMD),
        ("plain", WASM),
        ("plain+simd", WASM_SIMD),
        ("native", NATIVE),
    ]
    assert Simd.declaration.mode("fast+simd").declared == "fast"
    assert Simd.declaration.declared_mode_names == ("fast", "plain", "native")
    copy = replace(Simd.declaration, modes=Simd.declaration.modes)
    assert copy.modes == modes, "a copy of a declaration (e.g. under --emulate) makes its twins anew"


def test_a_twin_is_its_modes_availability_unless_the_runtime_cannot_run_simd_in_it():
    runner = Simd()
    assert availability_of(runner, "fast+simd").available
    assert runner.asked == ["fast"], "a runner is only ever asked about the modes it declared"
    skipped = availability_of(runner, "plain+simd")
    assert (skipped.available, skipped.reason) == (False, "no SIMD here")
    assert runner.asked == ["fast"]


def test_a_twin_under_emulation_is_its_modes_availability_too():
    runner = EmulatedRunner(Simd(), parse_emulation("aarch64"))
    assert availability_of(runner, "fast+simd") == availability_of(runner, "fast")


def test_the_selection_takes_the_simd_build_where_the_runtime_can_run_it():
    runner = Simd()
    assert select(["simd"], {"simd": runner}) == [
        ("simd", "fast+simd"),
        ("simd", "plain"),
        ("simd", "native"),
    ]
    assert select(["simd:fast"], {"simd": runner}) == [("simd", "fast")], "named: the build named"
    assert len(select(["simd"], {"simd": runner}, all_modes=True)) == 5


def test_the_default_selection_falls_back_to_the_declared_mode_for_results_without_the_simd_build():
    choices = Declaration("r", "r", (Mode("aot"), Mode("jit")), representative=(("aot", "jit"),)).choices()
    assert choices == [("aot+simd", "jit+simd", "aot", "jit")]


def test_every_suite_gets_runners_of_its_own():
    first, second = create_runners(), create_runners()
    assert all(first[name] is not second[name] for name in first)


@pytest.mark.parametrize(
    ("spec", "message"), [("lucid", "unknown runtime 'lucid'"), ("native:jit", "no mode 'jit'")]
)
def test_unknown_names_are_errors_that_list_the_known_ones(spec, message):
    with pytest.raises(WasmbenchError, match=message):
        select([spec], create_runners())


def test_a_version_is_carried_in_the_mode_label_of_every_mode_it_selects():
    runners = create_runners()
    assert select(["wasmtime:embedded@38.0.0", "wasmtime:embedded@51.0.0"], runners) == [
        ("wasmtime", "embedded@38.0.0"),
        ("wasmtime", "embedded@51.0.0"),
    ]
    assert select(["node@20.18.0"], runners) == [
        ("node", f"{mode}@20.18.0") for mode in runners["node"].declaration.regular_modes()
    ]
    assert split_version("embedded@38.0.0") == ("embedded", "38.0.0")
    assert split_version("embedded") == ("embedded", None)
    assert runners["wasmtime"].declaration.mode("embedded@38.0.0").name == "embedded"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("wasmtime:embedded@", "'' is not a version number"),
        ("wasmtime:embedded@latest", "'latest' is not a version number"),
        ("wasmtime@38.0.0@39", "'38.0.0@39' is not a version number"),
        ("wasmtime:jot@38.0.0", "no mode 'jot'"),
        ("lucid@1.0", "unknown runtime 'lucid'"),
    ],
)
def test_a_malformed_version_is_an_error_that_says_which(spec, message):
    with pytest.raises(WasmbenchError, match=message):
        select([spec], create_runners())


def test_a_runtime_without_versions_to_choose_says_so():
    runners = create_runners()
    with pytest.raises(WasmbenchError, match="native has no versions to choose from"):
        runner_for(runners, "native", "default@1.0")


def test_a_runner_at_a_version_is_made_once_per_suite_beside_the_runtimes_own():
    runners = create_runners()
    at_38 = runner_for(runners, "wasmtime", "embedded@38.0.0")
    assert runner_for(runners, "wasmtime", "embedded-aot@38.0.0") is at_38
    assert at_38 is not runners["wasmtime"] and runners["wasmtime@38.0.0"] is at_38
    assert runner_for(runners, "wasmtime", "embedded") is runners["wasmtime"]


class FakeRuntime(Runner):
    """A whole runtime: a declaration and a run (it "runs" a program by printing its arguments)."""

    declaration = Declaration("fake", "fake", (Mode("plain", NATIVE),), representative=("plain",))

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        invocation.stdout.write_text(" ".join(invocation.args))
        return RunOutcome(Usage(1000, 0.0, 0.0, 1024))


def test_a_runtime_is_a_declaration_and_a_run(tmp_path, artefact):
    runner = FakeRuntime()
    assert runner.availability("plain").available and runner.version() == {}
    ready = runner.prepare(artefact, "plain", tmp_path)
    assert (ready.path, ready.prepare_ns, ready.flags) == (artefact.path, None, ())
    invocation = Invocation(("a", "b"), tmp_path, tmp_path / "out", tmp_path / "err", 1.0)
    assert runner.run(ready, invocation).exit_code == 0
    assert (tmp_path / "out").read_text() == "a b"
    runner.close()
    assert select([], {"fake": runner}) == [("fake", "plain")]
    assert not isinstance(runner, WarmHost), "a warm host is an optional capability"


class CountingRunner(Runner):
    """A runner whose ``aot`` mode copies the artefact reversed, counting compilations."""

    declaration = Declaration(
        "counting", "counting", (Mode("plain", NATIVE), Mode("aot", NATIVE, flags=("-x",)))
    )

    def __init__(self) -> None:
        self.compiled = 0
        self.release = "1.0"

    def version(self) -> dict[str, str]:
        return {"counting": self.release}

    def prepare(self, artefact, mode, cache_root):
        return prepared(self, artefact, mode, cache_root, self.compile if mode == "aot" else None)

    def compile(self, source: Path, destination: Path) -> None:
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
    assert first.flags == second.flags == ("-x",), "the declared flags, recorded with every result"


def test_an_unknown_mode_is_an_error(artefact, tmp_path):
    with pytest.raises(WasmbenchError, match="no mode 'jit'"):
        CountingRunner().prepare(artefact, "jit", tmp_path)


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


def test_a_served_runtime_named_alone_takes_its_default_modes_and_a_warm_host():
    runners = create_runners()
    chosen = select(["wasmtime", "docker", "node", "native"], runners, serving=True)
    assert [mode for runtime, mode in chosen if runtime == "wasmtime"] == [
        "aot+simd",
        "nn+simd",
        "embedded+simd",
    ]
    assert [mode for runtime, mode in chosen if runtime == "docker"] == ["run", "exec"]
    assert [mode for runtime, mode in chosen if runtime == "node"] == ["default+simd"], "already warm"
    assert [mode for runtime, mode in chosen if runtime == "native"] == ["default", "host"]
    assert select(["wasmtime:jit"], runners, serving=True) == [("wasmtime", "jit")], "a named mode is kept"
