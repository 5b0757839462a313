"""Wasmer's own behaviour: the SDK modes copy the working directory into the sandbox, split the
phases, keep a compiled cache for ``sdk-cached`` and report traps by their cause; the CLI modes
are found on PATH with the compilers the program was built with. What every wasm runtime must do
is in test_wasm_runtimes.py."""

import tarfile
from pathlib import Path

import pytest
from wat_modules import HELLO, TRAP, wat_module

from wasmbench.runners import wasmer
from wasmbench.runners.wasmer import SDK_MODES, WasmerRunner
from wasmbench.runtimes.runner import Invocation

sdk = pytest.mark.skipif(
    not WasmerRunner().availability("sdk").available, reason="wasmer-sdk does not load here"
)


def invocation(tmp_path: Path) -> Invocation:
    (tmp_path / "work").mkdir(exist_ok=True)
    return Invocation((), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", 30.0)


@pytest.mark.slow
@sdk
@pytest.mark.parametrize("mode", SDK_MODES)
def test_sdk_runs_split_their_phases(tmp_path, mode):
    runner = WasmerRunner()
    outcome = runner.run(runner.prepare(wat_module(tmp_path, HELLO), mode, tmp_path), invocation(tmp_path))
    assert (tmp_path / "stdout").read_text() == "hello\n"
    assert outcome.exit_code == 0 and outcome.error is None
    assert set(outcome.phases_ns) == {"load", "sandbox", "run"}
    assert sum(outcome.phases_ns.values()) <= outcome.usage.wall_ns
    assert outcome.usage.max_rss_kib > 0


@pytest.mark.slow
@sdk
def test_sdk_cached_keeps_the_compiled_module_and_reuses_it(tmp_path):
    runner = WasmerRunner()
    prepared = runner.prepare(wat_module(tmp_path, HELLO), "sdk-cached", tmp_path)
    assert prepared.prepare_ns and not prepared.cached
    with tarfile.open(prepared.path) as archive:
        assert any(name.endswith(".bin") for name in archive.getnames())
    assert runner.prepare(wat_module(tmp_path, HELLO), "sdk-cached", tmp_path).cached


@pytest.mark.slow
@sdk
def test_the_working_directorys_files_are_copied_to_the_sandbox_root_without_symlinks(tmp_path):
    from wasmbench.runners import wasmer_embedded  # it imports the SDK

    (tmp_path / "outside.txt").write_text("hidden")
    (tmp_path / "work" / "sub").mkdir(parents=True)
    (tmp_path / "work" / "weights.bin").write_bytes(b"\x00\x01")
    (tmp_path / "work" / "sub" / "labels.txt").write_text("cat")
    (tmp_path / "work" / "escape.txt").symlink_to(tmp_path / "outside.txt")
    files = wasmer_embedded.input_files(tmp_path / "work")
    assert files == {"/sub/labels.txt": b"cat", "/weights.bin": b"\x00\x01"}


@pytest.mark.slow
@sdk
def test_a_trap_is_reported_by_its_cause(tmp_path):
    runner = WasmerRunner()
    outcome = runner.run(runner.prepare(wat_module(tmp_path, TRAP), "sdk", tmp_path), invocation(tmp_path))
    assert outcome.trap and outcome.trap.startswith("wasm trap: RuntimeError: unreachable")
    assert outcome.error is None and not outcome.timed_out


@pytest.mark.slow
@sdk
def test_what_the_sdk_prints_while_preparing_a_trapping_module_stays_off_the_terminal(tmp_path, capfd):
    runner = WasmerRunner()
    prepared = runner.prepare(wat_module(tmp_path, TRAP), "sdk-cached", tmp_path)
    outcome = runner.run(prepared, invocation(tmp_path))
    assert outcome.trap and not prepared.cached
    assert capfd.readouterr() == ("", "")


@sdk
def test_the_sdk_version_is_recorded():
    assert WasmerRunner().version()["wasmer-sdk"][0].isdigit()


@pytest.fixture
def fake_cli(tmp_path, monkeypatch) -> Path:
    """A ``wasmer`` on PATH that answers like a build with only the Cranelift compiler."""
    program = tmp_path / "bin" / "wasmer"
    program.parent.mkdir()
    program.write_text(
        '#!/bin/sh\nif [ "$1" = -vV ]; then printf "wasmer 6.0.1\\ncompiler: singlepass,cranelift\\n";'
        ' else echo "wasmer 6.0.1"; fi\n'
    )
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))
    return program


def test_cli_modes_are_the_compilers_the_program_was_built_with(fake_cli):
    runner = WasmerRunner()
    assert runner.availability("cranelift").available
    assert runner.availability("singlepass").available
    llvm = runner.availability("llvm")
    assert not llvm.available and "without the llvm compiler" in llvm.reason
    assert runner.version()["wasmer-cli"] == "6.0.1"


def test_the_cli_maps_only_the_workdir_and_picks_the_compiler(fake_cli, tmp_path):
    runner = WasmerRunner()
    prepared = runner.prepare(wat_module(tmp_path, HELLO), "singlepass", tmp_path)
    command = runner.cli_command(prepared, invocation(tmp_path))
    assert command[:3] == [str(fake_cli), "run", "--singlepass"]
    assert command[command.index("--mapdir") + 1] == f".:{tmp_path / 'work'}"
    assert command.count("--mapdir") == 1


def test_without_the_cli_its_modes_are_skipped_with_the_installer(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(wasmer, "CLI", wasmer.Program("wasmer", wasmer.CLI.install_hint))
    availability = WasmerRunner().availability("cranelift")
    assert not availability.available
    assert "wasmer not found" in availability.reason and "get.wasmer.io" in availability.hint
