"""Writing files so that a crash or a full disk never leaves half a file where a good one was.

A journal line is appended with one write and fsynced; a result file is written beside its
target, fsynced and renamed over it. When the disk fills up (or turns read-only) the error is one
line that says what was being written and how to continue, and what was on disk stays readable.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from wasmbench.errors import WasmbenchError

# What a user fixes by making room (or making the file system writable) before resuming.
NO_ROOM = {
    errno.ENOSPC: "free space",
    errno.EDQUOT: "free space (the disk quota is used up)",
    errno.EROFS: "make the file system writable",
}


def write_failed(error: OSError, what: str, path: Path) -> WasmbenchError:
    """The one-line error for an ``OSError`` while writing ``what`` at ``path``."""
    problem = f"cannot write {what} {path}: {error.strerror or error}"
    if error.errno in NO_ROOM:
        return WasmbenchError(
            f"{problem}; the journal is kept; {NO_ROOM[error.errno]}, then `wasmbench run --resume`"
        )
    return WasmbenchError(problem)


def append_line(fd: int, line: bytes) -> None:
    """Append one whole line to the file open at ``fd`` (``O_APPEND``), then fsync it.

    On failure (a full disk mid-line) the file is cut back to where it was, so it still ends in
    a newline and the next append starts a line of its own; the ``OSError`` is re-raised.
    """
    start = os.lseek(fd, 0, os.SEEK_END)
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError:
        os.ftruncate(fd, start)
        raise


def write_atomically(path: Path, data: bytes, what: str) -> None:
    """``path`` holds ``data`` entirely, or is left as it was: never half-written.

    The bytes go to a temporary file in the same folder (so the rename cannot cross file
    systems), are fsynced, get the mode any file created here gets (``0666`` less the umask:
    ``mkstemp`` would leave ``0600``), and are renamed over ``path``; on failure the temporary
    file is removed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        raise write_failed(error, what, path) from error
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except OSError as error:
        Path(partial).unlink(missing_ok=True)
        raise write_failed(error, what, path) from error


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
