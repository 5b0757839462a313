"""One suite, one process: the process measuring into a journal holds an exclusive lock on it.

Two processes appending to one journal would interleave their runs and plan the same pairs
twice. The lock is ``fcntl.flock`` on a hidden file beside the journal (``.<name>.jsonl.lock``)
holding the holder's pid and start time, so the process turned away can say who measures. The
kernel drops the lock when the holder dies, however it dies; a lock file left behind then is
taken over by the next process.

Within one process the lock is shared: ``wasmbench run`` creates the journal and then the pytest
side of the same process appends to it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.store.storage import write_failed


def lock_path(journal: Path) -> Path:
    return journal.with_name(f".{journal.name}.lock")


@dataclass
class _Held:
    """A lock this process holds: its file, how many ``JournalLock`` share it, and who took it
    (a forked child inherits the table but must never release its parent's lock)."""

    path: Path
    fd: int
    count: int
    owner: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


class JournalLock:
    """This process's hold on one journal; ``release`` it when the suite stops measuring."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self._key = journal.resolve()
        self._released = False

    @classmethod
    def acquire(cls, journal: Path) -> JournalLock:
        """Take the lock, or raise ``WasmbenchError`` naming the process that holds it."""
        lock = cls(journal)
        with _guard:
            held = _held.get(lock._key)
            if held is not None and held.owner == os.getpid():
                held.count += 1
            else:
                path = lock_path(journal)
                _held[lock._key] = _Held(path, _take(path, journal), 1, os.getpid())
        return lock

    def release(self) -> None:
        """Give the lock up (the last holder in this process removes the lock file); idempotent."""
        if self._released:
            return
        self._released = True
        with _guard:
            held = _held.get(self._key)
            if held is None or held.owner != os.getpid():
                return
            held.count -= 1
            if held.count == 0:
                del _held[self._key]
                _drop(held)


def _take(path: Path, journal: Path) -> int:
    """An fd holding the exclusive lock on ``path``, with this process's pid and time written in."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise write_failed(error, "the lock of", journal) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").split()
            os.close(fd)
            raise WasmbenchError(
                f"{journal} is being measured by {_describe(holder)}; wait for it or stop it"
            ) from None
        if _is_current(fd, path):
            break
        os.close(fd)  # its holder removed it between our open and our lock: take the new file
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
    except OSError as error:
        os.close(fd)
        raise write_failed(error, "the lock of", journal) from error
    return fd


def _describe(holder: list[str]) -> str:
    """``process 123 (since …)`` from the lock file; a holder that has not written yet is nameless."""
    if len(holder) != 2:
        return "another process"
    pid, since = holder
    return f"process {pid} (since {since})"


def _is_current(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)


def _drop(held: _Held) -> None:
    """Remove the lock file while still holding it, then let go: no one can lock a stale file."""
    with contextlib.suppress(OSError):  # e.g. the file system turned read-only: a stale file is harmless
        held.path.unlink(missing_ok=True)
    os.close(held.fd)


@atexit.register
def _release_all() -> None:
    """A process that never closed its journal leaves no lock file behind."""
    with _guard:
        for key, held in list(_held.items()):
            if held.owner == os.getpid():
                del _held[key]
                _drop(held)
