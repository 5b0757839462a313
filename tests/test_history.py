"""The regression history: series ordered by runtime version, steps found where they were planted
and nowhere else (not in a flat noisy series, never between two suites of one version)."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic import HOST_X86, pair_info, run, suite_document

from wasmbench.benchmarks.history import planted_copy, planted_version
from wasmbench.cli import main
from wasmbench.reports import history
from wasmbench.reports.history import (
    history_frame,
    ordered_versions,
    recorded_version,
    series_histories,
    split_label,
    unversioned,
    version_levels,
)
from wasmbench.store.schema import Pair, PairResult, ResultDocument

RELEASES = [f"{major}.0.0" for major in range(13, 25)]


def versioned_suite(
    means: dict[str, float],
    seed: int,
    run_id: str = "suite",
    started: str = "2026-12-06T00:00:00+00:00",
    rounds: int = 3,
    noise: float = 0.02,
    native_s: float = 1.0,
) -> ResultDocument:
    """One suite that ran ``wasmtime:embedded@VERSION`` for each version in ``means`` (its mean
    time) beside native, in interleaved rounds, each version recorded as the runtime's."""
    rng = np.random.default_rng(seed)

    def runs(mean: float) -> list:
        return [run(rng.normal(mean, mean * noise), round=index) for index in range(rounds)]

    native = PairResult(
        Pair("nbody", "default", "native", "default"), pair_info("native"), runs(native_s), ""
    )
    pairs = [native]
    for version, mean in means.items():
        info = replace(
            pair_info("wasmtime"), runtime_version={"wasmtime-py": version, "wasmtime-cli": "36.0.0"}
        )
        pairs.append(
            PairResult(Pair("nbody", "default", "wasmtime", f"embedded@{version}"), info, runs(mean), "")
        )
    return replace(suite_document(HOST_X86, pairs, run_id), datetime=started)


def only_history(documents: list[ResultDocument]):
    [history] = series_histories(history_frame(documents))
    return history


def test_a_step_planted_at_a_version_is_found_between_that_version_and_the_one_before():
    means = {version: 1.3 * (1.10 if index >= 6 else 1.0) for index, version in enumerate(RELEASES)}
    history = only_history([versioned_suite(means, seed=1)])
    assert history.series == "wasmtime:embedded"
    assert history.versions == RELEASES
    [change] = history.changes
    assert (change.before, change.after) == ("18.0.0", "19.0.0")
    assert change.delta == pytest.approx(0.10, abs=0.02)
    assert change.comparison.ci_low < 1.10 < change.comparison.ci_high
    assert change.comparison.p_value < 0.01
    assert change.comparison.verdict == "slower"


def test_a_flat_noisy_series_has_no_change():
    """Twenty flat series of 3 % noise: a false step in one at most (the detector's rate is about
    3 % at α = 0.01, as its penalty's comment says)."""
    flat = [versioned_suite(dict.fromkeys(RELEASES, 1.3), seed=seed, noise=0.03) for seed in range(20)]
    with_changes = [seed for seed, document in enumerate(flat) if only_history([document]).changes]
    assert len(with_changes) <= 1, with_changes


def test_suites_of_one_version_are_one_point_however_far_apart_their_times():
    """Each version measured twice, the second suite 8 % slower throughout (the machine drifted):
    a step inside one version would be the drift, and none is reported."""
    first = versioned_suite(dict.fromkeys(RELEASES[:6], 1.3), seed=2, run_id="a")
    later = versioned_suite(dict.fromkeys(RELEASES[:6], 1.3 * 1.08), seed=3, run_id="b", started="2026-12-07")
    history = only_history([first, later])
    assert history.versions == RELEASES[:6]
    assert history.changes == []


def test_versions_are_ordered_as_versions_not_as_strings():
    means = {"10.0.0": 1.0, "9.0.0": 1.0, "8.0.0": 1.0, "11.0.0": 1.2, "12.0.0": 1.2, "13.0.0": 1.2}
    history = only_history([versioned_suite(means, seed=4, noise=0.01)])
    assert history.versions == ["8.0.0", "9.0.0", "10.0.0", "11.0.0", "12.0.0", "13.0.0"]
    assert [(change.before, change.after) for change in history.changes] == [("10.0.0", "11.0.0")]


def test_two_versions_are_compare_s_job_not_a_history():
    history = only_history([versioned_suite({"40.0.0": 1.0, "51.0.0": 2.0}, seed=5)])
    assert history.versions == ["40.0.0", "51.0.0"]
    assert history.changes == []


def test_a_planted_local_version_sorts_right_after_its_release():
    assert ordered_versions(__import__("pandas").Series(["51.0.0+planted10", "9.0.0", "51.0.0"])) == [
        "9.0.0",
        "51.0.0",
        "51.0.0+planted10",
    ]


@pytest.mark.parametrize(
    ("runtime", "mode", "label"),
    [
        ("wasmtime", "embedded@40.0.0", ("wasmtime:embedded", "40.0.0")),
        ("node@20", "default", ("node", "20")),
        ("wasmtime", "jit", ("wasmtime:jit", None)),
    ],
)
def test_a_requested_version_is_no_part_of_the_series_name(runtime, mode, label):
    assert split_label(runtime, mode) == label


@pytest.mark.parametrize(
    ("runtime", "mode", "recorded", "version"),
    [
        ("wasmtime", "embedded@40.0.0", {"wasmtime-py": "40.0.0", "wasmtime-cli": "36.0.0"}, "40.0.0"),
        ("wasmtime", "embedded", {"wasmtime-py": "38.0.1", "wasmtime-cli": "36.0.0"}, "38.0.1"),
        (
            "wasmtime",
            "jit",
            {"wasmtime-py": "38.0.1", "wasmtime-cli": "wasmtime 36.0.0 (abc 2025)"},
            "36.0.0",
        ),
        ("node@20", "default", {"node": "20.18.0", "v8": "11.3.244.8"}, "20.18.0"),
        ("docker", "run", {"engine": "unknown"}, None),
    ],
)
def test_the_version_is_the_one_recorded_for_the_component_that_ran_the_mode(
    runtime, mode, recorded, version
):
    result = PairResult(
        Pair("nbody", "default", runtime, mode), replace(pair_info(runtime), runtime_version=recorded), [], ""
    )
    assert recorded_version(result) == version


def test_each_run_has_its_ratio_to_native_in_the_same_round():
    document = versioned_suite({"40.0.0": 1.5, "51.0.0": 1.2}, seed=6, noise=0.0, native_s=1.0)
    frame = history_frame([document])
    assert set(frame["series"]) == {"wasmtime:embedded"}  # native is the baseline, not a series
    by_version = frame.groupby("version")["round_ratio"].mean()
    assert by_version.to_dict() == pytest.approx({"40.0.0": 1.5, "51.0.0": 1.2})


def write(path: Path, document: ResultDocument) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document.to_dict()))
    return path


def test_history_writes_the_change_table_a_chart_per_workload_and_prints_the_table(capsys, tmp_path):
    results = tmp_path / "results"
    older = {version: 1.3 for version in RELEASES[:6]}
    newer = {version: 1.3 * 1.10 for version in RELEASES[6:]}
    write(results / "older.json", versioned_suite(older, seed=7, run_id="older"))
    write(results / "newer.json", versioned_suite(newer, seed=8, run_id="newer", started="2026-12-07"))
    assert main(["history", str(results)]) == 0
    out = capsys.readouterr().out
    assert "| wasmtime:embedded | nbody | default | azure-d2 | 18.0.0 → 19.0.0 | +" in out
    assert "- azure-d2 nbody/default wasmtime:embedded: 18.0.0 → 19.0.0 slower" in out  # above 5 %
    written = results / "history"
    assert {path.name for path in written.iterdir()} == {
        "history.md",
        "changes.csv",
        "versions.csv",
        "history-nbody-default.png",
        "history-nbody-default.svg",
    }
    [change] = csv.DictReader((written / "changes.csv").open())
    assert (change["before"], change["after"]) == ("18.0.0", "19.0.0")
    assert float(change["delta"]) == pytest.approx(0.10, abs=0.02)


def test_a_series_without_a_change_has_its_line(capsys, tmp_path):
    path = write(
        tmp_path / "flat.json", versioned_suite(dict.fromkeys(RELEASES[:4], 1.3), seed=9, noise=0.01)
    )
    assert main(["history", str(path), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "- azure-d2 nbody/default wasmtime:embedded: 4 versions (13.0.0 … 16.0.0), no change" in out


def test_nothing_readable_is_one_error_line_and_exit_status_2(capsys, tmp_path):
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{")
    assert main(["history", str(damaged)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == "wasmbench: error: no readable result file"
    assert main(["history", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["history", str(tmp_path / "empty")]) == 2
    assert (
        capsys.readouterr().err
        == f"wasmbench: error: {tmp_path / 'empty'} holds no result files (*.json, *.jsonl)\n"
    )


def test_a_damaged_file_among_readable_ones_is_left_out_with_exit_status_1(capsys, tmp_path):
    write(tmp_path / "good.json", versioned_suite(dict.fromkeys(RELEASES[:3], 1.3), seed=10))
    (tmp_path / "damaged.json").write_text("{")
    assert main(["history", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "left out" in captured.err and "1 left out" in captured.out


def test_a_step_planted_after_the_last_release_is_found_in_its_copy():
    """``nox -s history``'s check: a copy of the last release with every time × 1.10, as a fake
    later version, is a step of about 10 % in time and in ratio to native."""
    measured = versioned_suite(dict.fromkeys(RELEASES, 1.3), seed=11)
    fake = planted_version(RELEASES[-1], 1.10)
    copy = planted_copy(measured, "wasmtime:embedded", RELEASES[-1], fake, 1.10)
    assert [result.pair.mode for result in copy.pairs] == ["default", f"embedded@{fake}"]
    history = only_history([measured, copy])
    assert history.versions == [*RELEASES, "24.0.0+planted10"]
    [change] = history.changes
    assert (change.before, change.after, change.comparison.verdict) == ("24.0.0", fake, "slower")
    assert change.delta == pytest.approx(0.10, abs=0.03)
    levels = version_levels(history_frame([measured, copy])).set_index("version")
    assert levels.at[fake, "ratio"] / levels.at["24.0.0", "ratio"] == pytest.approx(1.10)


def test_a_step_at_every_version_leaves_none_untested(monkeypatch):
    """Three versions in three segments leave no spread to test a step by: such steps are dropped
    until those left can be tested."""
    monkeypatch.setattr(history, "proposed_steps", lambda levels, noise: [1, 2])
    times = [np.full(3, 1.0), np.full(3, 1.5), np.full(3, 1.5)]
    changes = history.find_changes(["1.0.0", "2.0.0", "3.0.0"], times, alpha=0.01)
    assert all(change.comparison.p_value < 0.01 for change in changes)
    untestable = history.step_test(np.zeros(1), np.ones(1), noise=0.01, df=0, alpha=0.01)
    assert untestable.verdict == "too few runs" and math.isnan(untestable.p_value)


def test_a_mode_that_records_no_version_is_named_and_left_out():
    document = versioned_suite(dict.fromkeys(RELEASES[:3], 1.3), seed=13)
    info = replace(pair_info("docker"), runtime_version={"docker-engine": "unknown"})
    document.pairs.append(
        PairResult(Pair("nbody", "default", "docker", "run"), info, [run(1.1, round=0)], "")
    )
    frame = history_frame([document])
    assert unversioned(frame) == ["docker:run"]
    assert [found.series for found in series_histories(frame)] == ["wasmtime:embedded"]
