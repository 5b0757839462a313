"""Installing Debian packages on a machine where another apt-get may be running.

A freshly booted cloud VM runs unattended-upgrades, which holds the dpkg lock for minutes; an
apt-get started then fails at once. wasmbench waits for the locks instead (up to
``LOCK_TIMEOUT_S``, saying so once), and also asks apt itself to wait (``DPkg::Lock::Timeout``)
for a lock taken between the check and the call.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

LOCKS = (Path("/var/lib/dpkg/lock-frontend"), Path("/var/lib/dpkg/lock"), Path("/var/lib/apt/lists/lock"))
LOCK_TIMEOUT_S = 300.0
POLL_S = 2.0


def install(packages: Sequence[str], say: Callable[[str], None] = print) -> str:
    """``apt-get update`` then ``apt-get install`` of ``packages``; "" or the one-line reason it failed."""
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock_option = ["-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT_S:.0f}"]
    for arguments in (["update", "-qq"], ["install", "-y", "-qq", *packages]):
        if not wait_for_locks(say=say):
            return f"another apt-get held the dpkg lock for {LOCK_TIMEOUT_S:.0f} s; try again later"
        command = ["apt-get", *lock_option, *arguments]
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()[-1:]
            return f"apt-get {' '.join(arguments)} failed: {' '.join(last)}"
    return ""


def wait_for_locks(
    locks: Sequence[Path] = LOCKS,
    timeout_s: float = LOCK_TIMEOUT_S,
    say: Callable[[str], None] = print,
) -> bool:
    """Wait until no other process holds one of apt's ``locks``; False when ``timeout_s`` passed."""
    deadline = time.monotonic() + timeout_s
    said = False
    while (holder := _held(locks)) is not None:
        if time.monotonic() >= deadline:
            return False
        if not said:
            say(f"waiting for {holder}: another apt-get (e.g. unattended-upgrades) holds it")
            say(f"(waiting up to {timeout_s:.0f} s)")
            said = True
        time.sleep(POLL_S)
    return True


def _held(locks: Sequence[Path]) -> Path | None:
    """The first lock another process holds (apt takes them with fcntl, as ``lockf`` tests)."""
    for lock in locks:
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue  # absent, or not ours to open: nothing to wait for
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return lock
        finally:
            os.close(fd)  # closing drops a lock we took
    return None
