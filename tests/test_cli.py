"""The command line: clear one-line errors, listings, builds and reports (in-process, no suite run)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from old_results import FOUNDATION

from wasmbench.build import toolchain
from wasmbench.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "-r", "lucet-classic"], "unknown runtime 'lucet-classic'"),
        (["run", "-w", "quicksort"], "unknown workload quicksort"),
        (["run", "--size", "huge"], "unknown size huge"),
        (["run", "--runs", "0"], "--runs must be at least 1"),
        (["run", "--timeout", "nan"], "--timeout must be a finite positive number"),
        (["run", "--timeout", "inf"], "--timeout must be a finite positive number"),
        (["run", "--timeout", "-1"], "--timeout must be a finite positive number"),
        (["run", "--opt", "O9"], "--opt must be one of O0, O1, O2, O3, Os, Oz"),
        (["build", "-t", "sparc"], "unknown build target 'sparc'"),
        (["run", "--resume", "-o", "nowhere/none.json"], "no unfinished suite to resume"),
        (["run", "--resume", "-r", "native"], "--resume continues the suite as it was planned"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_status_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("results/*")), "a rejected suite must leave no files behind"


def test_a_missing_toolchain_names_the_package_to_install(capsys, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        toolchain.importlib.util,
        "find_spec",
        lambda name: None if name == "ziglang" else real_find_spec(name),
    )
    code, _, err = run_cli(capsys, "build", "-w", "nop")
    assert code == 2
    assert "pip install ziglang" in err


def test_list_shows_workloads_sizes_and_runtime_modes(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    for expected in ("binarytrees", "fannkuchredux", "mandelbrot", "nbody", "test:", "large:"):
        assert expected in out
    assert "native:default" in out
    assert "wasmtime:embedded " in out
    assert "available" in out


def test_list_shows_each_version_installed_side_by_side_as_rows_of_its_own(capsys, tmp_path, monkeypatch):
    """A release's folder in the cache is an install (it appears whole); this one is too old to run."""
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path))
    (tmp_path / "packages" / "wasmtime" / "0.25.0").mkdir(parents=True)
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if "@0.25.0" in line]
    assert [row[:3] for row in rows] == [
        ["wasmtime:embedded@0.25.0", "skipped", "named"],
        ["wasmtime:embedded-aot@0.25.0", "skipped", "named"],
    ]
    assert "wasmtime-py 0.25.0 predates the embedding API" in out


def test_report_keeps_the_readable_files_and_names_the_damaged_one(capsys, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FOUNDATION))  # a result file of the first format
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"machine_info": {')
    code, out, err = run_cli(capsys, "report", str(damaged), str(good))
    assert code == 1
    assert "damaged.json is not valid JSON" in err
    assert "1.500 ± 0.707 (2)" in out


# Runtime catalogs a site could get wrong, and what the error line says about each.
BAD_CATALOGS = {
    "not TOML": ("[wasmtime\n", "cannot read the runtime catalog"),
    "misspelt key": (
        '[wasmtime]\nverison = "1"\nprograms = {wasmtime = "wasmtime"}\n',
        'malformed: [wasmtime] can not match "verison"',
    ),
    "missing key": ('[wasmtime]\nversion = "1"\n', 'missing value for field "programs"'),
    "not a table": ("wasmtime = 5\n", "malformed: [wasmtime] is not a table"),
    "a number for a URL": (
        '[wasmtime]\nversion = "1"\nprograms = {wasmtime = "wasmtime"}\nassets = {x86_64 = [{url = 5}]}\n',
        'malformed: [wasmtime] wrong value type for field "assets.url"',
    ),
    "unknown placeholder": (
        '[wasmtime]\nversion = "1"\nprograms = {wasmtime = "w"}\nassets = {x86_64 = [{url = "{v}"}]}\n',
        "malformed: [wasmtime] has {v} in a URL; only {version} is filled in",
    ),
}


@pytest.mark.parametrize("command", [["list"], ["setup", "runtimes"], ["run", "-w", "nop", "--size", "test"]])
@pytest.mark.parametrize(("text", "message"), BAD_CATALOGS.values(), ids=BAD_CATALOGS)
def test_a_malformed_runtime_catalog_is_one_line_in_every_command(
    capsys, tmp_path, monkeypatch, command, text, message
):
    catalog = tmp_path / "runtimes.toml"
    catalog.write_text(text)
    monkeypatch.setenv("WASMBENCH_RUNTIMES", str(catalog))
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *command)
    assert code == 2 and out == ""
    assert err.startswith("wasmbench: error: ") and message in err and err.count("\n") == 1, err
    assert not list(tmp_path.glob("results/*")), "no journal for a suite that cannot start"


def test_a_cache_folder_that_cannot_be_written_is_one_line_before_any_journal(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for cache, problem in ((a_file, "is a file, not a folder"), (a_file / "cache", "Not a directory")):
        monkeypatch.setenv("WASMBENCH_CACHE", str(cache))
        code, out, err = run_cli(capsys, "run", "-w", "nop", "--size", "test", "-o", "r.json")
        assert code == 2 and out == ""
        assert err.startswith(f"wasmbench: error: the cache folder {cache} ") and problem in err
        assert err.endswith("(set $WASMBENCH_CACHE to a folder you can write)\n") and err.count("\n") == 1
        assert "--resume" not in err and not (tmp_path / "r.jsonl").exists()


def test_a_read_only_cache_folder_is_one_line_before_any_journal(capsys, tmp_path, monkeypatch, small_tmpfs):
    monkeypatch.chdir(tmp_path)
    small_tmpfs.make_read_only()
    monkeypatch.setenv("WASMBENCH_CACHE", str(small_tmpfs.path / "cache"))
    code, _, err = run_cli(capsys, "run", "-w", "nop", "--size", "test", "-o", "r.json")
    assert code == 2
    assert err == (
        f"wasmbench: error: the cache folder {small_tmpfs.path / 'cache'} cannot be created or written: "
        "Read-only file system (set $WASMBENCH_CACHE to a folder you can write)\n"
    )
    assert not (tmp_path / "r.jsonl").exists()


def test_no_home_at_all_is_one_line_naming_the_fix(capsys, tmp_path, monkeypatch):
    for name in ("WASMBENCH_CACHE", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home() -> None:  # what Path.home does without $HOME for a uid the password database lacks
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr("pathlib.Path.home", no_home)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "run", "-w", "nop", "--size", "test", "-o", "r.json")
    assert code == 2
    assert err == (
        "wasmbench: error: no folder for wasmbench's cache: $HOME is not set and this user has no home "
        "folder (set $WASMBENCH_CACHE or HOME)\n"
    )
    assert not (tmp_path / "r.jsonl").exists()
