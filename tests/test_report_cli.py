"""``wasmbench report`` on files and folders, and ``wasmbench compare`` with its CI exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from old_results import VERSIONS
from synthetic import HOST_ARM, HOST_X86, TWO_RUNTIMES, document, entry, header, run, suite_document

from wasmbench.cli import main
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.plan import Pair
from wasmbench.store.journal import Journal
from wasmbench.store.schema import ResultDocument

SLOWED = ("nbody", "wasmtime", "embedded")


def write(path: Path, doc: ResultDocument) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc.to_dict()))
    return path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_on_a_folder_of_hosts_writes_next_to_the_results(capsys, tmp_path):
    results = tmp_path / "results"
    write(results / "azure" / "a.json", document(HOST_X86, TWO_RUNTIMES, run_id="a"))
    write(results / "aws" / "b.json", document(HOST_ARM, TWO_RUNTIMES, run_id="b"))
    for _ in range(2):  # the second time, the report's own summary.json must not be read as a result
        code, out, err = run_cli(capsys, "report", results)
        assert code == 0, err
        assert out.count("\n## ") == 4, "the summary, a block per host, then Price-performance"
    assert (results / "report" / "cross-host.png").exists()
    assert f"report written to {results / 'report'}/" in out


def test_report_reads_one_suite_once_even_from_its_journal_and_result_file(capsys, tmp_path):
    doc = document(HOST_X86, TWO_RUNTIMES, n=4, run_id="same")
    fuller = document(HOST_X86, TWO_RUNTIMES, n=6, run_id="same")
    code, out, _ = run_cli(
        capsys,
        "report",
        write(tmp_path / "s.json", doc),
        write(tmp_path / "t.json", fuller),
        "-o",
        tmp_path / "out",
    )
    assert code == 0
    assert "(6)" in out and "(4)" not in out and "(10)" not in out


def test_report_with_nothing_readable_is_one_error_line(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(capsys, "report", tmp_path / "empty")
    assert code == 2
    assert err.strip() == f"wasmbench: error: {tmp_path / 'empty'} holds no result files (*.json, *.jsonl)"


def test_compare_two_runs_of_the_same_runtimes_finds_no_difference(capsys, tmp_path):
    a = write(tmp_path / "a.json", document(HOST_X86, TWO_RUNTIMES, seed=1, run_id="a"))
    b = write(tmp_path / "b.json", document(HOST_X86, TWO_RUNTIMES, seed=2, run_id="b"))
    code, out, _ = run_cli(capsys, "compare", a, b, "--fail-above", "5")
    assert code == 0
    assert f"B against A: {len(TWO_RUNTIMES)} no significant difference" in out


def test_compare_flags_a_planted_20_percent_slowdown_and_fails_ci(capsys, tmp_path):
    slowed = {key: mean * (1.2 if key == SLOWED else 1.0) for key, mean in TWO_RUNTIMES.items()}
    a = write(tmp_path / "a.json", document(HOST_X86, TWO_RUNTIMES, seed=1, run_id="a"))
    b = write(tmp_path / "b.json", document(HOST_X86, slowed, seed=2, run_id="b"))
    code, out, _ = run_cli(capsys, "compare", a, b)
    assert code == 0, "without --fail-above a slowdown is reported, not failed"
    line = next(line for line in out.splitlines() if "| nbody | wasmtime:embedded |" in line)
    assert "**slower**" in line
    assert "B against A: 1 slower, 5 no significant difference" in out
    code, out, _ = run_cli(capsys, "compare", a, b, "--fail-above", "10")
    assert code == 1
    assert re.search(r"SLOWER nbody/default wasmtime:embedded: \+(19|20)\.\d%", out)
    code, _, _ = run_cli(capsys, "compare", a, b, "--fail-above", "30")
    assert code == 0, "a slowdown below the threshold passes"


def in_rounds(run_id: str, overheads: list[float]) -> ResultDocument:
    """binarytrees natively and in docker:exec, round by round on a drifting machine; docker's time ÷
    native's in round i is ``overheads[i]``."""
    drift = [1.0, 1.3, 0.8, 1.1, 0.9, 1.2, 0.7, 1.05]
    native = [run(speed, round=i) for i, speed in enumerate(drift)]
    docker = [run(speed * overheads[i], round=i) for i, speed in enumerate(drift)]
    pairs = [
        entry("binarytrees", "native", "default", native),
        entry("binarytrees", "docker", "exec", docker),
    ]
    return suite_document(HOST_X86, pairs, run_id)


def test_compare_prints_the_paired_ratio_the_report_prints(capsys, tmp_path):
    """One estimator for both: the geometric mean of the per-round ratios with its log-scale interval
    (here 0.93, where the arithmetic mean of the ratios would say 0.95)."""
    overheads = [0.70, 1.20, 0.85, 1.15, 0.75, 1.10, 0.80, 1.05]
    a = write(tmp_path / "a.json", in_rounds("a", overheads))
    b = write(tmp_path / "b.json", in_rounds("b", [ratio * 1.01 for ratio in overheads]))
    code, report, _ = run_cli(capsys, "report", a, "-o", tmp_path / "report")
    assert code == 0
    ratio_table = report.split("**Ratio to native**")[1]
    reported = next(line for line in ratio_table.splitlines() if line.startswith("| docker:exec |"))
    code, compared, _ = run_cli(capsys, "compare", a, b)
    assert code == 0
    paired_table = compared.split("**Ratio to native, paired per round**")[1]
    line = next(line for line in paired_table.splitlines() if "| docker:exec |" in line)
    side_a = line.split(" | ")[3]
    assert reported.split(" | ")[1] == side_a == "0.93 [0.78, 1.11] (8)"


def test_compare_takes_one_host_per_side(capsys, tmp_path):
    write(tmp_path / "both" / "x.json", document(HOST_X86, TWO_RUNTIMES, run_id="x"))
    write(tmp_path / "both" / "y.json", document(HOST_ARM, TWO_RUNTIMES, run_id="y"))
    a = write(tmp_path / "a.json", document(HOST_X86, TWO_RUNTIMES, run_id="a"))
    code, _, err = run_cli(capsys, "compare", a, tmp_path / "both")
    assert code == 2
    assert "B holds results of 2 hosts" in err


def test_report_and_compare_take_prices_from_a_file(capsys, tmp_path):
    a = write(tmp_path / "a.json", document(HOST_X86, TWO_RUNTIMES, seed=1, run_id="a"))
    b = write(tmp_path / "b.json", document(HOST_ARM, TWO_RUNTIMES, seed=2, run_id="b"))
    prices = tmp_path / "prices.toml"
    prices.write_text('[azure-d2]\nper_hour = 0.096\n\n[aws-m6g]\nper_hour = 0.077\ncurrency = "USD"\n')
    serverless = ["--gb-second-price", "0.0000166667", "--memory-step", "128"]
    code, out, err = run_cli(capsys, "report", a, b, "--prices", prices, *serverless, "-o", tmp_path / "out")
    assert code == 0, err
    assert out.count("**Serverless cost per million runs**") == 2
    assert "- nbody/default: aws-m6g · native — " in out, "the cheaper instance, at about the same speed"
    code, out, _ = run_cli(capsys, "compare", a, b, "--prices", prices)
    assert code == 0
    assert "A at 0.096 USD/h ÷ 2 vCPUs, B at 0.077 USD/h ÷ 2 vCPUs" in out
    assert re.search(r"\| default \| nbody \| native \| [\d.]+ USD \| [\d.]+ USD \| 0\.[78]\d\d \|", out)
    _, out, _ = run_cli(capsys, "compare", a, b)
    assert "per vCPU" not in out, "no cost without both prices"


def test_a_bad_prices_file_is_one_error_line(capsys, tmp_path):
    a = write(tmp_path / "a.json", document(HOST_X86, TWO_RUNTIMES))
    prices = tmp_path / "prices.toml"
    prices.write_text("[azure-d2]\nper_hour = -1\n")
    code, _, err = run_cli(capsys, "report", a, "--prices", prices)
    assert code == 2
    assert err == f"wasmbench: error: {prices} [azure-d2]: price per hour must be a positive number, not -1\n"


def test_report_into_a_place_it_cannot_write_is_one_error_line_before_reading(capsys, tmp_path):
    result = write(tmp_path / "s.json", document(HOST_X86, TWO_RUNTIMES))
    for out, message in ((result, "exists and is not a folder"), (Path("/proc/report"), "is under /proc")):
        code, stdout, err = run_cli(capsys, "report", result, "-o", out)
        assert code == 2 and stdout == ""
        assert err.startswith(f"wasmbench: error: report folder {out} ") and message in err
        assert err.count("\n") == 1


def test_the_report_of_an_unfinished_journal_says_it_is_unfinished(capsys, tmp_path):
    """Interrupted in the middle of its rounds: native finished, wasmer has one run of two, node none."""
    plan = [Pair("nbody", "test", runtime, "default") for runtime in ("native", "wasmer", "node")]
    with Journal.create(tmp_path / "s.jsonl", header([pair.key for pair in plan])) as journal:
        for pair, seconds in ((plan[0], 1.0), (plan[1], 1.2), (plan[0], 1.1)):
            journal.record_run(
                pair, Measurement(Status.OK, Usage(int(seconds * 1e9), 0.1, 0, 1), 0, None, "", 0)
            )
        journal.record_done(plan[0])
    code, out, err = run_cli(capsys, "report", journal.path, "-o", tmp_path / "out")
    assert code == 0, err
    assert "· size test · unfinished: 2 pairs not finished" in out
    assert "- nbody · wasmer\n- nbody · node" in out  # in the plan's order


def test_report_and_compare_read_every_result_format_that_has_existed(capsys, tmp_path):
    paths = []
    for name, data in VERSIONS.items():
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(data))
    paths.append(write(tmp_path / "current.json", document(HOST_X86, TWO_RUNTIMES, run_id="current")))
    for path in paths:
        code, _, err = run_cli(capsys, "report", path, "-o", tmp_path / f"{path.stem}-report")
        assert code == 0 and not err, err
    code, _, err = run_cli(capsys, "compare", paths[0], paths[1])
    assert code in (0, 1) and "error" not in err, err


# A run whose times no clock can have measured, as a damaged or hand-edited file holds them: the
# key, the value planted in one ok run, and what the error line says about it.
IMPOSSIBLE_TIMES = {
    "negative": ("wall_ns", -5_000_000, "wall_ns -5000000 is impossible"),
    "zero": ("wall_ns", 0, "wall_ns 0 in a run marked ok"),
    "nan": ("wall_ns", float("nan"), 'field "wall_ns" - should be "int"'),
    "huge": ("wall_ns", 1e300, 'field "wall_ns" - should be "int"'),
    "huge integer": ("wall_ns", 10**300, "is impossible (a time is 0 to 604,800 s, a week)"),
    "over a week": ("wall_ns", 8 * 24 * 3600 * 10**9, "is impossible (a time is 0 to 604,800 s, a week)"),
    "infinite cpu": ("user_s", float("inf"), "user_s inf is impossible"),
    "negative cpu": ("sys_s", -1.0, "sys_s -1.0 is impossible"),
    "null": ("wall_ns", None, 'field "wall_ns" - should be "int"'),
    "string": ("wall_ns", "5000000", 'field "wall_ns" - should be "int"'),
    "missing": ("wall_ns", ..., 'missing value for field "wall_ns"'),
}


def with_impossible_time(path: Path, key: str, value: object) -> Path:
    """A result file whose second run of its first pair has ``value`` as ``key`` (``...``: none)."""
    data = document(HOST_X86, TWO_RUNTIMES, run_id="damaged").to_dict()
    planted = data["benchmarks"][0]["extra_info"]["runs"][1]
    if value is ...:
        del planted[key]
    else:
        planted[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("key, value, problem", IMPOSSIBLE_TIMES.values(), ids=IMPOSSIBLE_TIMES)
def test_a_file_with_an_impossible_time_is_left_out_of_the_report_in_one_line(
    capsys, tmp_path, key, value, problem
):
    bad = with_impossible_time(tmp_path / "results" / "bad.json", key, value)
    write(tmp_path / "results" / "good.json", document(HOST_X86, TWO_RUNTIMES, run_id="good"))
    where = f"{bad}: pair nbody/default/native/default, run 1: "
    code, out, err = run_cli(capsys, "report", tmp_path / "results")
    assert code == 1, "the report is written, and the status says a file was left out"
    assert err.startswith(f"wasmbench: left out {where}") and problem in err and err.count("\n") == 1
    assert "## azure-d2" in out and out.endswith("1 left out (named above): the report covers the rest\n")
    code, out, err = run_cli(capsys, "report", bad, "-o", tmp_path / "alone")
    assert code == 2 and out == ""
    assert err.count("\n") == 2 and err.endswith("wasmbench: error: no readable result file\n")


@pytest.mark.parametrize("key, value, problem", IMPOSSIBLE_TIMES.values(), ids=IMPOSSIBLE_TIMES)
def test_compare_refuses_a_file_with_an_impossible_time_in_one_line(capsys, tmp_path, key, value, problem):
    bad = with_impossible_time(tmp_path / "results" / "bad.json", key, value)
    good = write(tmp_path / "good.json", document(HOST_X86, TWO_RUNTIMES, run_id="good"))
    write(tmp_path / "results" / "also-good.json", document(HOST_X86, TWO_RUNTIMES, run_id="also"))
    for a, b in ((good, bad), (bad, good), (good, bad.parent)):
        code, out, err = run_cli(capsys, "compare", a, b)
        assert code == 2 and out == ""
        assert err.startswith(f"wasmbench: error: {bad}: pair nbody/default/native/default, run 1: ")
        assert problem in err and err.count("\n") == 1


def test_a_prices_host_that_matches_no_result_is_a_warning_naming_it(capsys, tmp_path):
    a = write(tmp_path / "a.json", document(HOST_X86, TWO_RUNTIMES, run_id="a"))
    b = write(tmp_path / "b.json", document(HOST_X86, TWO_RUNTIMES, run_id="b"))
    prices = tmp_path / "prices.toml"
    prices.write_text("azure-d2 = 0.096\nazure-d3 = 0.1\n")
    warning = f"wasmbench: warning: {prices}: no result is from azure-d3 (the results' hosts: azure-d2)\n"
    code, _, err = run_cli(capsys, "report", a, "--prices", prices, "-o", tmp_path / "out")
    assert code == 0 and err == warning
    code, _, err = run_cli(capsys, "compare", a, b, "--prices", prices)
    assert code == 0 and err == warning


def damaged_journal(path: Path) -> Path:
    """An unfinished suite's journal: native's two runs intact, wasmer's (line 3) cut short."""
    plan = [Pair("nbody", "test", runtime, "default") for runtime in ("native", "wasmer")]
    with Journal.create(path, header([pair.key for pair in plan])) as journal:
        for pair in (*plan, plan[0]):
            journal.record_run(pair, Measurement(Status.OK, Usage(10**9, 0.1, 0, 1), 0, None, "", 0))
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:20]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_report_of_a_damaged_journal_names_its_damaged_lines_and_shows_the_rest(capsys, tmp_path):
    journal = damaged_journal(tmp_path / "s.jsonl")
    code, out, err = run_cli(capsys, "report", journal, "-o", tmp_path / "out")
    assert code == 1
    assert err == f"wasmbench: left out {journal}: damaged line 3 left out (line 3 is not a journal record)\n"
    assert "| native | 1.000 ± 0.000 (2)" in out, "the intact runs are reported"
    code, out, err = run_cli(capsys, "compare", journal, journal)
    assert code == 2 and err.count("\n") == 1 and "damaged line 3 left out" in err


def test_resume_refuses_a_damaged_journal_in_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    journal = damaged_journal(tmp_path / "results" / "s.jsonl")
    for argv in (["--resume"], ["--resume", "-o", "results/s.json"]):
        code, _, err = run_cli(capsys, "run", *argv)
        assert code == 2 and err.count("\n") == 1
        assert err.startswith(f"wasmbench: error: {journal.relative_to(tmp_path)}: damaged line 3 left out")
        assert "wasmbench run --resume --repair -o results/s.json continues without them" in err
    code, _, err = run_cli(capsys, "run", "--repair")
    assert code == 2 and "--repair goes with --resume" in err
