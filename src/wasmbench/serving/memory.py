"""The resident memory of a served module's host processes, as the kernel counts it (/proc)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

CURRENT, PEAK = "VmRSS", "VmHWM"  # resident now, and the most it has been (high-water mark)


def resident_bytes(pids: Iterable[int], which: str = CURRENT) -> int:
    """The summed ``which`` (``CURRENT`` or ``PEAK``) resident memory of ``pids``; a process that
    has ended counts 0."""
    return sum(_status_kib(pid, which) for pid in pids) * 1024


def _status_kib(pid: int, which: str) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        name, _, value = line.partition(":")
        if name == which:
            return int(value.split()[0])
    return 0
