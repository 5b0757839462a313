"""Where result files go by default, the journal that belongs to each, and whether a path can be
written before anything is measured."""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.host.machine import host_label
from wasmbench.store.journal import Journal
from wasmbench.store.schema import RUN

RESULTS_DIR = Path("results")
# The kernel's own trees: writing a result there fails, or worse, succeeds.
KERNEL_TREES = (Path("/proc"), Path("/sys"))


class _Stamps:
    """UTC times to the microsecond, each later than the one before in this process: two suites
    started at the same instant by two threads still get two names (and two processes differ in
    pid)."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._guard = threading.Lock()

    def next(self) -> datetime:
        with self._guard:
            self._last = max(_utc_now(), self._last + timedelta(microseconds=1))
            return self._last


def _utc_now() -> datetime:
    return datetime.now(UTC)


_stamps = _Stamps()


def default_result_path(results_dir: Path = RESULTS_DIR) -> Path:
    """``results/<host label>-<UTC time, µs>-<pid>.json``: sortable, and never the name of another
    suite, even one started at the same instant (``Journal.create`` claims the journal's name with
    ``O_EXCL`` besides)."""
    stamp = _stamps.next().strftime("%Y%m%dT%H%M%S.%fZ")
    results_dir.mkdir(parents=True, exist_ok=True)
    return results_dir / f"{host_label()}-{stamp}-{os.getpid()}.json"


def journal_path_for(result_path: Path) -> Path:
    return result_path.with_suffix(".jsonl")


def result_path_for(journal_path: Path) -> Path:
    return journal_path.with_suffix(".json")


def latest_journal(results_dir: Path = RESULTS_DIR, benchmark: str = RUN) -> Path | None:
    """The most recently written journal of ``benchmark`` (``run`` or ``invoke``) that holds a
    measurement: the suite ``--resume`` continues. Journals of suites that stopped before measuring
    anything are passed over."""
    journals = sorted(results_dir.glob("*.jsonl"), key=lambda path: path.stat().st_mtime, reverse=True)
    return next((path for path in journals if _resumable(Journal.open(path), benchmark)), None)


def _resumable(journal: Journal, benchmark: str) -> bool:
    return journal.has_measurements and journal.header.benchmark == benchmark


def check_output_path(path: Path, what: str, folder: bool = False) -> None:
    """Raise a one-line ``WasmbenchError`` now, before anything is measured, when ``what`` (a file,
    or a ``folder``) cannot be written at ``path``: under /proc or /sys, a file where a folder
    must be (or a folder where the file must be), a read-only file system or no permission (found
    by creating and removing a file where it will go)."""
    resolved = path.resolve()
    for tree in KERNEL_TREES:
        if resolved.is_relative_to(tree):
            raise WasmbenchError(f"{what} {path} is under {tree}, the kernel's: choose another place")
    if resolved.is_dir() != folder and resolved.exists():
        kind = "a folder" if folder else "a file"
        raise WasmbenchError(f"{what} {path} exists and is not {kind}")
    home = resolved if resolved.is_dir() else next(parent for parent in resolved.parents if parent.exists())
    if not home.is_dir():
        raise WasmbenchError(f"{what} {path} cannot be made: {home} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=home, prefix=".wasmbench-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise WasmbenchError(f"{what} {path} cannot be written: {home}: {error.strerror}") from error
