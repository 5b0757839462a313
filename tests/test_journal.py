"""The journal: read back, torn lines cut off on resume, one process at a time, a full disk."""

import re
import subprocess
import sys
from dataclasses import replace

import pytest
from synthetic import header, pair_info

from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.plan import Pair
from wasmbench.store.journal import Journal
from wasmbench.store.lock import lock_path

A = Pair("nbody", "test", "native", "default")
B = Pair("mandelbrot", "test", "native", "default")


def measurement(status=Status.OK) -> Measurement:
    return Measurement(status, Usage(100, 0.1, 0.0, 1000), 0, None, "ab" * 32, 26)


@pytest.fixture
def journal(tmp_path) -> Journal:
    return Journal.create(tmp_path / "suite.jsonl", header([A.key, B.key]))


def test_everything_recorded_is_read_back(journal):
    journal.record_pair(A, pair_info("x"))
    journal.record_run(A, measurement())
    journal.record_run(A, measurement(Status.WRONG_OUTPUT))
    journal.record_done(A)
    reopened = Journal.open(journal.path)
    assert reopened.pair_info[A.key] == pair_info("x")
    assert [run.status for run in reopened.runs[A.key]] == [Status.OK, Status.WRONG_OUTPUT]
    assert reopened.pending() == [B]


def test_a_torn_last_line_is_ignored(journal):
    journal.record_run(A, measurement())
    with journal.path.open("a") as stream:
        stream.write('{"type": "run", "pair": "nbo')
    assert len(Journal.open(journal.path).runs[A.key]) == 1


def with_damaged_lines(journal: Journal) -> Journal:
    """Three runs of A journalled, then line 3 overwritten with garbage and line 4's wall time made
    negative: the runs of lines 2 and 5 are intact."""
    for _ in range(3):
        journal.record_run(A, measurement())
    journal.record_done(A)
    journal.close()
    lines = journal.path.read_text().splitlines()
    lines[2], lines[3] = "garbage", lines[3].replace('"wall_ns":100', '"wall_ns":-100')
    journal.path.write_text("\n".join(lines) + "\n")
    return journal


def test_damaged_lines_are_left_out_and_named_and_the_intact_ones_read(journal):
    reader = Journal.open(with_damaged_lines(journal).path)
    assert len(reader.runs[A.key]) == 1 and A.key in reader.done
    assert reader.damage == (f"{journal.path}: damaged lines 3, 4 left out (line 3 is not a journal record)")
    assert "line 4, a run of nbody/test/native/default: wall_ns -100 is impossible" in reader.damaged[4]


def test_resume_refuses_a_damaged_journal_and_says_how_to_continue(journal):
    with_damaged_lines(journal)
    with pytest.raises(WasmbenchError) as refused:
        Journal.resume(journal.path)
    assert str(refused.value) == (
        f"{journal.path}: damaged lines 3, 4 left out (line 3 is not a journal record); a suite does not "
        f"continue on a guess: wasmbench run --resume --repair -o {journal.path.with_suffix('.json')} "
        "continues without them (the damaged file is kept as suite.jsonl.damaged)"
    )
    damaged = journal.path.read_bytes()
    assert Journal.repair(journal.path) == (
        f"{journal.path}: removed damaged lines 3, 4; the damaged file is {journal.path}.damaged"
    )
    assert (journal.path.parent / "suite.jsonl.damaged").read_bytes() == damaged
    with Journal.resume(journal.path) as resumed:
        assert len(resumed.runs[A.key]) == 1 and not resumed.damaged
    assert Journal.repair(journal.path) is None, "nothing left to repair"


def test_a_foreign_file_is_not_a_journal(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(WasmbenchError, match="not a wasmbench journal"):
        Journal.open(path)


def test_create_never_overwrites(journal):
    with pytest.raises(WasmbenchError, match="--resume"):
        Journal.create(journal.path, header([]))


def test_resume_cuts_a_torn_last_line_at_any_byte_and_appends_after_it(tmp_path):
    """A crash can stop a write at any byte: prefixes of a journal ending anywhere in its last
    two lines (every seventh byte, and each line's ends) resume and read back."""
    path = tmp_path / "suite.jsonl"
    with Journal.create(path, header([A.key])) as journal:
        for _ in range(3):
            journal.record_run(A, measurement())
    written = path.read_bytes()
    line_ends = [index + 1 for index, byte in enumerate(written) if byte == ord("\n")]
    near_ends = {end + step for end in line_ends[-3:] for step in (-1, 0, 1) if end + step <= len(written)}
    for length in sorted({*range(line_ends[-3], len(written), 7), *near_ends}):
        prefix = written[:length]
        path.write_bytes(prefix)
        with Journal.resume(path) as resumed:
            torn = not prefix.endswith(b"\n")
            assert (resumed.repaired is not None) == torn, length
            resumed.record_run(A, measurement(Status.CRASHED))
        whole_runs = prefix.count(b"\n") - 1
        statuses = [run.status for run in Journal.open(path).runs[A.key]]
        assert statuses == [Status.OK] * whole_runs + [Status.CRASHED], length


def test_the_repair_is_said_in_one_line(journal):
    journal.record_run(A, measurement())
    journal.close()
    with journal.path.open("a") as stream:
        stream.write('{"type":"run","pair":"nbo')
    with Journal.resume(journal.path) as resumed:
        assert resumed.repaired == (
            f"{journal.path}: cut off a torn last line (25 bytes, the record being written when the "
            "suite stopped)"
        )
    assert journal.path.read_text().endswith("}\n")


def test_a_journal_without_runs_is_discarded_and_one_with_runs_kept(tmp_path):
    empty = Journal.create(tmp_path / "empty.jsonl", header([A.key]))
    empty.record_pair(A, pair_info("x"))
    assert not empty.has_measurements
    assert empty.discard_if_empty() is True
    assert not empty.path.exists()
    measured = Journal.create(tmp_path / "measured.jsonl", header([A.key]))
    measured.record_run(A, measurement(Status.TIMEOUT))
    assert measured.has_measurements
    assert measured.discard_if_empty() is False
    assert Journal.open(measured.path).has_measurements


HOLD = """
import sys, time
from pathlib import Path
from wasmbench.store.journal import Journal
journal = Journal.resume(Path(sys.argv[1]))
print("holding", flush=True)
time.sleep(60)
"""


def test_a_second_process_cannot_resume_a_journal_being_measured(journal):
    journal.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(journal.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        with pytest.raises(WasmbenchError) as refused:
            Journal.resume(journal.path)
        message = str(refused.value)
        assert re.fullmatch(
            rf"{re.escape(str(journal.path))} is being measured by process {holder.pid} "
            r"\(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\); wait for it or stop it",
            message,
        )
        with pytest.raises(WasmbenchError, match="is being measured by process"):
            Journal.create(journal.path, header([]))
    finally:
        holder.kill()  # dies holding the lock: the kernel releases it
        holder.wait()
    with Journal.resume(journal.path) as resumed:
        resumed.record_run(A, measurement())
    assert not lock_path(journal.path).exists(), "closing removes the lock file"


def test_the_lock_is_shared_within_one_process_and_released_by_the_last_closer(journal):
    reader = Journal.open(journal.path)
    reader.record_run(A, measurement())  # appending takes the lock this process holds already
    journal.close()
    assert lock_path(journal.path).exists()
    reader.close()
    assert not lock_path(journal.path).exists()


def test_a_full_disk_is_one_error_line_and_appending_continues_after_making_room(small_tmpfs):
    journal = Journal.create(small_tmpfs.path / "suite.jsonl", header([A.key, B.key]))
    journal.record_run(A, measurement())
    before = journal.path.read_bytes()
    filler = small_tmpfs.fill()
    with pytest.raises(WasmbenchError) as full:
        journal.record_pair(
            B, replace(pair_info("x"), validation="x" * 5000)
        )  # longer than any slack in the last page
    assert str(full.value) == (
        f"cannot write the journal {journal.path}: No space left on device; the journal is kept; "
        "free space, then `wasmbench run --resume`"
    )
    assert journal.path.read_bytes() == before, "a partly written line is cut back"
    assert len(Journal.open(journal.path).runs[A.key]) == 1
    filler.unlink()
    journal.record_run(B, measurement())
    journal.close()
    reread = Journal.open(journal.path)
    assert len(reread.runs[A.key]) == len(reread.runs[B.key]) == 1
