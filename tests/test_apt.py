"""Setup waits for a dpkg lock another apt-get holds, instead of failing at once."""

from __future__ import annotations

import subprocess
import sys
import time

from wasmbench.provision import apt

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def holder(lock, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "held\n"
    return process


def test_a_held_lock_is_waited_for_and_said_once(tmp_path, monkeypatch):
    monkeypatch.setattr(apt, "POLL_S", 0.05)
    lock = tmp_path / "lock-frontend"
    process = holder(lock, 1.0)
    said: list[str] = []
    started = time.monotonic()
    assert apt.wait_for_locks([lock], timeout_s=30, say=said.append)
    assert time.monotonic() - started >= 0.5
    assert len(said) == 2 and "another apt-get" in said[0]
    process.wait()


def test_a_lock_held_past_the_timeout_gives_up_and_a_free_or_absent_one_costs_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(apt, "POLL_S", 0.05)
    lock = tmp_path / "lock"
    process = holder(lock, 10.0)
    try:
        assert not apt.wait_for_locks([lock], timeout_s=0.3, say=lambda line: None)
    finally:
        process.kill()
        process.wait()
    said: list[str] = []
    assert apt.wait_for_locks([lock, tmp_path / "absent"], timeout_s=0.3, say=said.append) and not said
