"""Default result names, the journal ``--resume`` picks, and output paths checked before measuring."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from synthetic import header

from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.plan import Pair
from wasmbench.store import paths
from wasmbench.store.journal import Journal
from wasmbench.store.paths import check_output_path, default_result_path, latest_journal

PAIR = Pair("nbody", "test", "native", "default")
NAME = "from wasmbench.store.paths import default_result_path; print(default_result_path())"


def test_threads_starting_at_the_same_instant_get_names_of_their_own(tmp_path, monkeypatch):
    instant = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    monkeypatch.setattr(paths, "_utc_now", lambda: instant)
    monkeypatch.setattr(paths, "_stamps", paths._Stamps())  # no name handed out before in this process
    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(lambda _: default_result_path(tmp_path), range(8)))
    assert len(set(names)) == 8
    assert min(names).name.endswith(f"-20260102T030405.000006Z-{os.getpid()}.json")


def test_processes_starting_at_once_get_names_of_their_own_and_can_all_create_journals(tmp_path):
    processes = [
        subprocess.Popen([sys.executable, "-c", NAME], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    names = [Path(process.communicate()[0].strip()) for process in processes]
    assert names[0] != names[1]
    for name, process in zip(names, processes, strict=True):
        assert name.name.endswith(f"-{process.pid}.json")
        Journal.create(tmp_path / paths.journal_path_for(name), header([])).close()


def _journal(folder: Path, name: str, runs: int) -> Path:
    with Journal.create(folder / name, header([PAIR.key])) as journal:
        for _ in range(runs):
            journal.record_run(PAIR, Measurement(Status.OK, Usage(100, 0.1, 0.0, 1000), 0, None, "00", 26))
    time.sleep(0.01)  # distinct modification times
    return journal.path


def test_resume_picks_the_newest_journal_that_measured_something(tmp_path):
    assert latest_journal(tmp_path) is None
    older = _journal(tmp_path, "older.jsonl", runs=2)
    _journal(tmp_path, "empty.jsonl", runs=0)
    assert latest_journal(tmp_path) == older
    newer = _journal(tmp_path, "newer.jsonl", runs=1)
    assert latest_journal(tmp_path) == newer


@pytest.mark.parametrize(
    ("target", "folder", "message"),
    [
        ("/proc/self/result.json", False, "is under /proc, the kernel's: choose another place"),
        ("/sys/result.json", False, "is under /sys"),
        ("file/result.json", False, "cannot be made: .*/file is a file, not a folder"),
        (".", False, "exists and is not a file"),
        ("file", True, "exists and is not a folder"),
    ],
)
def test_unwritable_places_are_one_error_line(tmp_path, monkeypatch, target, folder, message):
    monkeypatch.chdir(tmp_path)
    Path("file").write_text("")
    with pytest.raises(WasmbenchError, match=message):
        check_output_path(Path(target), "--output", folder=folder)


def test_writable_places_pass_and_leave_nothing_behind(tmp_path):
    check_output_path(tmp_path / "new" / "deeper" / "result.json", "--output")
    check_output_path(tmp_path, "report folder", folder=True)
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_file_system_is_found_before_measuring(small_tmpfs):
    small_tmpfs.make_read_only()
    with pytest.raises(
        WasmbenchError, match=r"--output .*/result.json cannot be written: .*Read-only file system"
    ):
        check_output_path(small_tmpfs.path / "result.json", "--output")


def _check_as_nobody(target: Path, queue: multiprocessing.Queue) -> None:
    """In a forked child (no exec: the interpreter need not be readable by nobody)."""
    if os.getuid() == 0:
        os.setgid(65534)
        os.setuid(65534)
    try:
        check_output_path(target, "--output")
        queue.put("")
    except WasmbenchError as error:
        queue.put(str(error))


def test_no_permission_is_found_before_measuring():
    with tempfile.TemporaryDirectory() as scratch:  # /tmp: reachable by the unprivileged child
        os.chmod(scratch, 0o755)
        locked = Path(scratch) / "locked"
        locked.mkdir(mode=0o555)
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_check_as_nobody, args=(locked / "result.json", queue))
        child.start()
        message = queue.get(timeout=30)
        child.join()
    assert message.endswith("cannot be written: " + str(locked) + ": Permission denied"), message
