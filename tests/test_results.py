import json
import os
import stat
import subprocess
import sys

import pytest
from synthetic import header

from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.plan import Pair
from wasmbench.store.journal import Journal
from wasmbench.store.results import load_document, result_document, write_document

GOOD = Pair("nbody", "test", "native", "default")
BAD = Pair("mandelbrot", "test", "native", "default")
LEFT = Pair("fannkuchredux", "test", "native", "default")


def run(wall_s: float, status=Status.OK) -> Measurement:
    return Measurement(status, Usage(int(wall_s * 1e9), 0.1, 0.0, 1000), 0, None, "00", 26)


@pytest.fixture
def journal(tmp_path) -> Journal:
    plan = header([GOOD.key, BAD.key, LEFT.key], runs=3, warmup=1)
    journal = Journal.create(tmp_path / "suite.jsonl", plan)
    for wall in (1.0, 2.0, 3.0):
        journal.record_run(GOOD, run(wall))
    journal.record_run(GOOD, run(100.0, Status.WRONG_OUTPUT))
    journal.record_run(BAD, run(5.0, Status.WRONG_OUTPUT))
    journal.record_done(GOOD)
    journal.record_done(BAD)
    return journal


def test_stats_cover_only_valid_runs_and_every_run_is_kept(journal):
    document = result_document(journal).to_dict()
    [entry] = document["benchmarks"]
    assert entry["stats"]["mean"] == pytest.approx(2.0)
    assert entry["stats"]["stddev"] == pytest.approx(1.0)
    assert entry["stats"]["rounds"] == 3
    assert entry["extra_info"]["status_counts"] == {"ok": 3, "wrong_output": 1}
    assert len(entry["extra_info"]["runs"]) == 4


def test_pairs_without_a_valid_run_are_failed_and_unmeasured_ones_listed(journal):
    section = result_document(journal).to_dict()["wasmbench"]
    assert [entry["param"] for entry in section["failed"]] == [BAD.key]
    assert "stats" not in section["failed"][0]
    assert section["not_measured"] == [LEFT.key]
    assert section["complete"] is False


def test_a_journal_reads_like_a_result_file(journal, tmp_path):
    from_journal = load_document(journal.path)
    write_document(tmp_path / "suite.json", result_document(journal))
    from_json = load_document(tmp_path / "suite.json")
    assert from_journal.pairs == from_json.pairs


@pytest.mark.parametrize(
    ("content", "message"),
    [('{"benchmarks": [', "not valid JSON"), (json.dumps({"benchmarks": []}), "not a wasmbench result file")],
)
def test_damaged_or_foreign_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(WasmbenchError, match=message):
        load_document(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WasmbenchError, match="cannot read"):
        load_document(tmp_path / "missing.json")


def test_a_result_file_is_readable_by_everyone_like_any_other_file(journal, tmp_path):
    previous = os.umask(0o022)
    try:
        write_document(tmp_path / "suite.json", result_document(journal))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "suite.json").stat().st_mode) == 0o644


def test_a_full_disk_keeps_the_good_result_file_and_leaves_no_partial_one(journal, small_tmpfs):
    target = small_tmpfs.path / "suite.json"
    target.write_text(json.dumps({"old": True}))
    document = result_document(journal)
    document.commit_info = {"padding": "x" * 100_000}  # more than the file system holds
    with pytest.raises(WasmbenchError) as full:
        write_document(target, document)
    assert str(full.value) == (
        f"cannot write the result file {target}: No space left on device; the journal is kept; "
        "free space, then `wasmbench run --resume`"
    )
    assert json.loads(target.read_text()) == {"old": True}
    assert sorted(path.name for path in small_tmpfs.path.iterdir()) == ["suite.json"]
    document.commit_info = {}
    write_document(target, document)
    assert load_document(target).pairs == document.pairs


def test_pytest_benchmark_compare_reads_a_result_file(journal, tmp_path):
    """The result file stays pytest-benchmark's format: its own ``compare`` command reads it."""
    path = tmp_path / "suite.json"
    write_document(path, result_document(journal))
    answer = subprocess.run(
        [sys.executable, "-c", "from pytest_benchmark.cli import main; main()", "compare", str(path)],
        capture_output=True,
        text=True,
    )
    assert answer.returncode == 0, answer.stderr
    assert "test_pair[nbody/test/native/default]" in answer.stdout
