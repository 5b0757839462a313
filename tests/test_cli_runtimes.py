"""The command-line runtimes' own parts — where each is found, how its version line reads, its
command lines and mode flags — checked against stand-in programs that answer like the real ones,
so they are tested where the runtimes are not installed. What every installed wasm runtime mode
must do when it really runs is in test_wasm_runtimes.py; WasmEdge's two modes in test_wasmedge.py.
"""

from __future__ import annotations

import platform
import re
import shlex
from pathlib import Path

import pytest

from wasmbench.build.manifest import SizeSpec
from wasmbench.build.toolchain import WASM_TARGET, Artefact
from wasmbench.cli import main
from wasmbench.measuring.measurement import Status, validate
from wasmbench.runners.lucet import LucetRunner
from wasmbench.runners.wamr import WamrRunner
from wasmbench.runners.wasm3 import NO_SIMD as WASM3_NO_SIMD
from wasmbench.runners.wasm3 import Wasm3Runner
from wasmbench.runners.wasmedge import WasmEdgeRunner, run_mode_flags
from wasmbench.runners.wavm import WavmRunner
from wasmbench.runtimes.command_runner import run_command
from wasmbench.runtimes.runner import Invocation, Prepared

# What the real programs print, one answer per command line.
WASMEDGE = {
    "--version": "/opt/wasmedge-0.9/bin/wasmedge version 0.14.1",
    "--help": "USAGE\n   wasmedge [OPTIONS] [--] WASM_OR_SO [ARG ...]\n  --force-interpreter\n",
}
WASM3 = {"--version": "Wasm3 v0.9.0 on x86_64\nBuild: Nov 25 2026 16:19:48, GCC 12.2.0"}
IWASM = {"--version": "iwasm 2.2.0", "--help": "Usage: iwasm [-options] wasm_file [args...]\n"}
WAMRC = {"--version": "wamrc 2.2.0"}
WAVM = {"version": "WAVM version 0.0.0-prerelease"}


def stand_in(folder: Path, name: str, answers: dict[str, str], failing: tuple[str, ...] = ()) -> Path:
    """An executable ``folder/name`` that prints ``answers[its arguments]`` (nothing otherwise) and
    fails for arguments matching a ``failing`` pattern (``*`` as in the shell)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = [f"  {pattern(args)}) echo {shlex.quote(text)};;" for args, text in answers.items()]
    cases += [f"  {pattern(args)}) echo failed >&2; exit 1;;" for args in failing]
    path = folder / name
    path.write_text('#!/bin/sh\ncase "$*" in\n' + "\n".join(cases) + "\nesac\n")
    path.chmod(0o755)
    return path


def pattern(args: str) -> str:
    return "*".join(shlex.quote(part) for part in args.split("*"))


@pytest.fixture
def bin_dir(tmp_path, monkeypatch) -> Path:
    """An otherwise empty PATH and HOME, so only the stand-ins put here are found."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WASMEDGE_DIR", raising=False)
    return folder


def artefact(tmp_path: Path) -> Artefact:
    return Artefact("nbody", WASM_TARGET, tmp_path / "nbody.wasm", "0" * 64, (), cached=False)


def prepared(tmp_path: Path, mode: str, path: Path | None = None) -> Prepared:
    return Prepared(artefact(tmp_path), mode, path or artefact(tmp_path).path)


def invocation(tmp_path: Path) -> Invocation:
    work = tmp_path / "work"
    return Invocation(("1000", "two words"), work, tmp_path / "stdout", tmp_path / "stderr", 60.0)


@pytest.mark.parametrize(
    ("runner", "programs", "versions"),
    [
        (WasmEdgeRunner(), {"wasmedge": WASMEDGE}, {"wasmedge": "0.14.1"}),
        (Wasm3Runner(), {"wasm3": WASM3}, {"wasm3": "0.9.0"}),
        (WamrRunner(), {"iwasm": IWASM}, {"iwasm": "2.2.0"}),
        (WamrRunner(), {"iwasm": IWASM, "wamrc": WAMRC}, {"iwasm": "2.2.0", "wamrc": "2.2.0"}),
        (WavmRunner(), {"wavm": WAVM}, {"wavm": "0.0.0-prerelease"}),
    ],
    ids=["wasmedge", "wasm3", "iwasm", "iwasm+wamrc", "wavm"],
)
def test_versions_are_read_from_each_programs_own_words(bin_dir, runner, programs, versions):
    for name, answers in programs.items():
        stand_in(bin_dir, name, answers)
    assert runner.availability(runner.declaration.modes[0].name).available
    assert runner.version() == versions


@pytest.mark.parametrize(
    ("runner", "missing"),
    [
        (WasmEdgeRunner(), "wasmedge"),
        (Wasm3Runner(), "wasm3"),
        (WamrRunner(), "iwasm"),
        (WavmRunner(), "wavm"),
    ],
)
def test_a_missing_runtime_is_skipped_with_where_it_looked_and_how_to_get_it(bin_dir, runner, missing):
    for mode in runner.declaration.declared_mode_names:
        availability = runner.availability(mode)
        assert not availability.available and availability.status == "skipped"
        assert availability.reason.startswith(f"{missing} not found (looked in PATH")
        assert availability.hint


def test_wasmedge_is_found_where_its_installer_puts_it(bin_dir, tmp_path, monkeypatch):
    home_install = stand_in(tmp_path / "home" / ".wasmedge" / "bin", "wasmedge", WASMEDGE)
    assert WasmEdgeRunner().program.locate() == home_install
    chosen = stand_in(tmp_path / "opt" / "bin", "wasmedge", WASMEDGE)
    monkeypatch.setenv("WASMEDGE_DIR", str(tmp_path / "opt"))
    assert WasmEdgeRunner().program.locate() == chosen
    assert WasmEdgeRunner().availability("aot").available


def test_wasmedge_without_its_compiler_has_no_aot_mode(bin_dir):
    stand_in(bin_dir, "wasmedge", WASMEDGE, failing=("compile *",))
    runner = WasmEdgeRunner()
    assert runner.availability("interpreter").available
    reason = runner.availability("aot").reason
    assert "cannot compile ahead of time" in reason and "failed" in reason


def test_wasmedge_names_its_run_mode_so_aot_never_falls_back_to_the_interpreter():
    with_run_mode = "  --run-mode  Run mode: interpreter | aot | jit\n  --force-interpreter\n"
    assert run_mode_flags("aot", with_run_mode) == ["--run-mode=aot"]
    assert run_mode_flags("interpreter", with_run_mode) == ["--run-mode=interpreter"]
    assert run_mode_flags("interpreter", WASMEDGE["--help"]) == ["--force-interpreter"]
    assert run_mode_flags("aot", WASMEDGE["--help"]) == []
    with_log_level = with_run_mode + "  --log-level  Set logging level. Valid values: off, ..., error\n"
    assert run_mode_flags("jit", with_log_level) == ["--run-mode=jit", "--log-level=error"]


def test_a_cli_runtimes_trap_is_a_crash_named_by_the_line_it_printed(tmp_path):
    """Each runtime words a trap its own way, on stdout (WasmEdge) or stderr: the reason is the
    line its pattern finds, whatever the exit status said."""
    trap = re.compile(r"execution failed: [^,\n]+")
    script = tmp_path / "runtime"
    script.write_text(
        "#!/bin/sh\necho '[error] execution failed: unreachable, Code: 0x40a'\n"
        "echo 'backtrace' >&2\nexit 134\n"
    )
    script.chmod(0o755)
    (tmp_path / "work").mkdir()
    call = Invocation((), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", timeout_s=10)
    outcome = run_command([str(script)], call, trap=trap)
    measurement = validate(outcome, call.stdout, call.stderr, SizeSpec(args=()))
    assert measurement.status is Status.CRASHED
    assert measurement.detail.startswith("execution failed: unreachable")
    assert run_command(["/bin/true"], call, trap=trap).trap is None


def test_wasmedge_command_lines(bin_dir, tmp_path):
    wasmedge = stand_in(bin_dir, "wasmedge", WASMEDGE)
    runner = WasmEdgeRunner()
    compiled = tmp_path / "nbody.aot.wasm"
    assert runner.prepare(artefact(tmp_path), "aot", tmp_path / "cache").flags == ()
    assert runner.command(prepared(tmp_path, "aot", compiled), invocation(tmp_path)) == [
        str(wasmedge),
        "--dir",
        f".:{tmp_path / 'work'}",
        str(compiled),
        "1000",
        "two words",
    ]
    interpreter = runner.prepare(artefact(tmp_path), "interpreter", tmp_path / "cache")
    assert interpreter.flags == ("--force-interpreter",)
    assert runner.command(interpreter, invocation(tmp_path))[1] == "--force-interpreter"


WASMEDGE_17 = {
    "--version": "wasmedge version 0.17.1",
    "--help": "  --run-mode=MODE  Set execution mode. Valid values: interpreter, jit, aot, lazyjit.\n",
}


def test_wasmedge_jit_runs_where_help_offers_it_and_it_works(bin_dir, tmp_path):
    stand_in(bin_dir, "wasmedge", WASMEDGE_17)
    runner = WasmEdgeRunner()
    assert runner.availability("jit").available
    jit = runner.prepare(artefact(tmp_path), "jit", tmp_path / "cache")
    assert jit.flags == ("--run-mode=jit",)
    assert runner.command(jit, invocation(tmp_path))[1] == "--run-mode=jit"


def test_wasmedge_jit_is_skipped_with_the_reason_where_it_is_not_offered_or_fails(
    bin_dir, tmp_path, monkeypatch
):
    stand_in(bin_dir, "wasmedge", WASMEDGE)  # 0.14: --force-interpreter only
    reason = WasmEdgeRunner().availability("jit").reason
    assert "offers no --run-mode=jit" in reason and "0.17" in reason
    stand_in(tmp_path / "other", "wasmedge", WASMEDGE_17, failing=("--run-mode=jit *",))
    monkeypatch.setenv("PATH", str(tmp_path / "other"))
    reason = WasmEdgeRunner().availability("jit").reason
    assert "cannot run jit" in reason


def test_wamr_interprets_or_runs_what_wamrc_compiled(bin_dir, tmp_path):
    iwasm = stand_in(bin_dir, "iwasm", {**IWASM, "--help": "Usage: iwasm\n  --interp  Run in interpreter\n"})
    runner = WamrRunner()
    assert "wamrc not found" in runner.availability("aot").reason
    stand_in(bin_dir, "wamrc", WAMRC)
    assert runner.availability("aot").available
    compiled = tmp_path / "nbody.aot"
    assert runner.command(prepared(tmp_path, "aot", compiled), invocation(tmp_path)) == [
        str(iwasm),
        "--dir=.",
        str(compiled),
        "1000",
        "two words",
    ]
    interpreter = runner.prepare(artefact(tmp_path), "interpreter", tmp_path / "cache")
    assert runner.command(interpreter, invocation(tmp_path))[1:3] == ["--interp", "--dir=."]


def test_wavm_mounts_only_the_working_directory(bin_dir, tmp_path):
    wavm = stand_in(bin_dir, "wavm", WAVM)
    runner = WavmRunner()
    command = runner.command(
        runner.prepare(artefact(tmp_path), "jit", tmp_path / "cache"), invocation(tmp_path)
    )
    assert command == [
        str(wavm),
        "run",
        "--abi=wasi",
        "--nocache",
        "--mount-root",
        str(tmp_path / "work"),
        str(tmp_path / "nbody.wasm"),
        "1000",
        "two words",
    ]


def test_wavm_aot_runs_what_wavm_compile_made_with_precompiled(bin_dir, tmp_path):
    wavm = stand_in(bin_dir, "wavm", {**WAVM, "compile *": "compiled"})
    runner = WavmRunner()
    assert runner.declaration.mode_names == ("jit", "jit+simd", "aot", "aot+simd")
    assert runner.availability("aot").available
    (tmp_path / "nbody.wasm").write_bytes(b"\0asm")
    aot = runner.prepare(artefact(tmp_path), "aot", tmp_path / "cache")
    compiled = aot.path
    assert compiled.name == "nbody.precompiled.wasm" and aot.prepare_ns is not None
    assert not runner.prepare(artefact(tmp_path), "jit", tmp_path / "cache").prepare_ns, (
        "jit has no prepare step"
    )
    command = runner.command(aot, invocation(tmp_path))
    assert command == [
        str(wavm),
        "run",
        "--abi=wasi",
        "--precompiled",
        "--mount-root",
        str(tmp_path / "work"),
        str(compiled),
        "1000",
        "two words",
    ]


def test_wasm3_runs_the_module_with_its_arguments_and_declares_its_own_variables(bin_dir, tmp_path):
    wasm3 = stand_in(bin_dir, "wasm3", WASM3)
    command = Wasm3Runner().command(prepared(tmp_path, "interpreter"), invocation(tmp_path))
    assert command == [str(wasm3), str(tmp_path / "nbody.wasm"), "1000", "two words"]
    assert Wasm3Runner.declaration.module_environment[-2:] == ("WASM3=1", f"WASM3_ARCH={platform.machine()}")
    assert WASM3["--version"].splitlines()[0].endswith(f" on {platform.machine()}"), "what wasm3 says it is"


def test_lucet_is_retired_never_available():
    availability = LucetRunner().availability("aot")
    assert not availability.available and availability.status == "retired"
    assert "2022" in availability.reason and "wasmtime" in availability.reason


def test_list_shows_missing_runtimes_as_skipped_and_lucet_as_retired(bin_dir, capsys):
    assert main(["list"]) == 0
    runtimes = capsys.readouterr().out.split("\nRuntimes")[1].split("\n", 1)[1]
    # mode, status, selection, origin, why not
    rows = [line.split(maxsplit=4) for line in runtimes.splitlines() if line.startswith("  ")]
    lines = {row[0]: [row[1], row[4]] for row in rows}
    selection = {row[0]: row[2] for row in rows}
    assert selection["wasmedge:interpreter"] == selection["wasm3:interpreter"] == "opt-in"
    assert (
        selection["wasmedge:aot+simd"]
        == selection["wasmtime:aot+simd"]
        == selection["native:host"]
        == "default"
    )
    assert (
        selection["wasmedge:jit+simd"]
        == selection["wasmtime:jit+simd"]
        == selection["docker:exec"]
        == "runtime"
    )
    assert selection["wasmtime:aot"] == selection["wasmtime:jit"] == "opt-in", "the scalar build: when named"
    assert lines["wasm3:interpreter+simd"] == ["skipped", WASM3_NO_SIMD]
    for mode in (
        "wasmedge:interpreter",
        "wasmedge:jit",
        "wasmedge:aot",
        "wavm:jit",
        "wavm:aot",
        "wamr:interpreter",
        "wamr:aot",
        "wasm3:interpreter",
    ):
        assert lines[mode][0] == "skipped" and "not found" in lines[mode][1]
    assert lines["lucet:aot"][0] == "retired"
