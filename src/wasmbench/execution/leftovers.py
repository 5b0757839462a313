"""End the processes a program left behind where the harness can list them but is not their parent.

A fresh process's strays are the launcher's business (``launcher.c`` is a child subreaper); a
program run in a long-lived container (``docker exec``) leaves its strays in the container, where
only its cgroup still names them. They are killed the same way: again until none is left, since
one may fork as it dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable

POLL_S = 0.001
# A process killed with SIGKILL is gone in microseconds, unless it is stuck in the kernel (e.g. on
# a dead NFS server); the harness does not wait for it forever.
PATIENCE_S = 10.0


def end_processes(listing: Callable[[], Iterable[int]]) -> int:
    """Kill every process ``listing`` names (pids in this PID namespace), and again what it names
    next, until it names none; returns how many distinct processes it named."""
    ended: set[int] = set()
    deadline = time.monotonic() + PATIENCE_S
    while (pids := set(listing())) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        ended |= pids
        time.sleep(POLL_S)
    return len(ended)
