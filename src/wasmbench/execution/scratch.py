"""Scratch folders of runs, in ``$TMPDIR``, named after the harness process that owns them.

A pair's runs stage their inputs and write their output in a scratch folder (``Job``), which can be
as large as the output; it is removed when the pair's runs end, and at interpreter exit. A harness
killed with SIGKILL removes nothing, so the first scratch folder a harness makes sweeps, before it,
the folders whose owning process is gone: a folder is never taken from a harness that still runs.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

PREFIX = "wasmbench-pid"
OWNER = re.compile(rf"{PREFIX}(\d+)-")


def scratch_folder(purpose: str, root: Path | None = None) -> tempfile.TemporaryDirectory:
    """A new folder ``$TMPDIR/wasmbench-pid<this process>-<purpose>-<random>`` (or in ``root``),
    removed by its ``cleanup`` (or at interpreter exit)."""
    _sweep_once(root)
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-{purpose}-", dir=root)


@functools.cache
def _sweep_once(root: Path | None) -> None:
    sweep_orphaned(root)


def sweep_orphaned(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders in ``root`` (``$TMPDIR`` by default) whose owning process is
    gone; returns them. Folders of live processes, and everything not named like a scratch
    folder, stay."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = OWNER.match(folder.name)
        if owner and folder.is_dir() and not folder.is_symlink() and not process_alive(int(owner[1])):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists here (one of another user's counts: it is not ours to judge)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
