"""The duration a suite announces before it starts, and the --yes a suite longer than a day needs."""

from __future__ import annotations

import pytest
from synthetic import header

from wasmbench.build.manifest import load_manifest
from wasmbench.cli import main
from wasmbench.measuring.estimate import describe_duration, estimated_seconds
from wasmbench.measuring.options import SuiteOptions
from wasmbench.measuring.plan import Pair
from wasmbench.measuring.suite import Suite
from wasmbench.store.journal import Journal

NBODY = [Pair("nbody", "default", runtime, "default") for runtime in ("native", "wasmtime")]
HUGE = ["run", "-r", "native:default", "-w", "nbody", "--runs", "99999999999", "-o", "r.json"]


@pytest.fixture
def journal(tmp_path) -> Journal:
    return Journal.create(tmp_path / "s.jsonl", header([pair.key for pair in NBODY]))


def test_the_estimate_is_each_pairs_native_time_by_its_rounds(journal):
    manifest = load_manifest()
    run_s = manifest["nbody"].sizes["default"].seconds
    assert 10 / 8 < run_s < 10, "eight rounds of it take more than the --max-time below"
    fixed = SuiteOptions(runs=5, warmup=1, auto=False)
    assert estimated_seconds(journal, manifest, fixed) == 2 * run_s * (5 + 1)
    auto = SuiteOptions(auto=True, max_runs=8, max_time_s=10.0, warmup=1)
    assert estimated_seconds(journal, manifest, auto) == 2 * (10 + run_s), "--max-time caps a mode's rounds"
    journal.record_done(NBODY[0])
    assert estimated_seconds(journal, manifest, fixed) == run_s * 6, "a finished pair takes no more time"


@pytest.mark.parametrize(
    ("seconds", "text"), [(45.2, "45 s"), (720, "12 min"), (11_100, "3 h 5 min"), (1.0587e9, "294,083 h")]
)
def test_durations_read_as_an_estimate(seconds, text):
    assert describe_duration(seconds) == text


def test_a_suite_over_a_day_is_refused_without_yes_outside_a_terminal(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(HUGE) == 2
    captured = capsys.readouterr()
    hours = describe_duration(99999999999 * load_manifest()["nbody"].sizes["default"].seconds)
    assert f"estimated duration: at least {hours}" in captured.out
    assert captured.err == (
        f"wasmbench: error: not started: the suite would take at least {hours}; pass --yes to start "
        "it, or measure less (fewer --runs, sizes, workloads or runtimes)\n"
    )
    assert not list(tmp_path.glob("*.jsonl")), "no journal for a suite never started"


@pytest.mark.parametrize(("argv", "typed"), [(["--yes"], None), ([], "y")])
def test_yes_or_a_yes_typed_at_the_terminal_starts_it(capsys, tmp_path, monkeypatch, argv, typed):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda question: typed)

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Suite, "build", interrupted)
    assert main([*HUGE, *argv]) == 130, "it started (and was interrupted at once)"
    assert "interrupted before the first measurement" in capsys.readouterr().out
