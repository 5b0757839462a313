"""Whether an input path is something wasmbench can read to its end: a regular file (or a folder,
where a command takes folders), told before it is opened.

Opening a named pipe that nobody writes blocks forever, and a device may never end: ``report``,
``compare`` and ``--prices`` refuse them (and a folder where a file must be) in one line instead.
"""

from __future__ import annotations

import stat
from pathlib import Path

from wasmbench.errors import WasmbenchError

# What an input path can be instead of a file or a folder, by the ``stat`` test that tells it.
SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_input_path(path: Path, what: str, folder: bool = False) -> None:
    """Raise a one-line ``WasmbenchError`` when ``what`` at ``path`` is not a regular file (nor,
    when ``folder``, a folder), judged by ``stat``, which does not open it. A path that cannot be
    ``stat``ed (e.g. it does not exist) is left to the reader, which says why it cannot read it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or (folder and stat.S_ISDIR(mode)):
        return
    kind = next((name for test, name in SPECIAL_FILES if test(mode)), "a folder")
    raise WasmbenchError(f"{what} {path} is {kind}, not {'a file or a folder' if folder else 'a file'}")
