"""Run one program as a fresh process and measure it the way the kernel sees it.

``posix_spawn`` starts the program without a fork of the (large) Python process, a pidfd tells
when it ends without polling, and ``wait4`` returns its own rusage: user and system CPU and peak
RSS of that one child. Wall time is ``perf_counter_ns`` from just before the spawn to the moment
the pidfd becomes readable.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessResult:
    """What one finished (or killed) process cost."""

    wall_ns: int
    user_s: float
    sys_s: float
    max_rss_kib: int
    exit_code: int | None
    signal: int | None
    timed_out: bool


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    stdout: Path,
    stderr: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
) -> ProcessResult:
    """Run ``argv`` with stdin from /dev/null and stdout/stderr to files; kill it after ``timeout_s``.

    The child leads its own process group so a timeout kills everything it started.
    """
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(stdout), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, str(stderr), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    executable = str(argv[0])
    # posix_spawn has no working-directory action in Python; the harness is single-threaded while
    # it spawns, so changing ours for the call is safe.
    with contextlib.chdir(cwd):
        start = time.perf_counter_ns()
        pid = os.posix_spawn(executable, list(argv), dict(env or {}), file_actions=file_actions, setpgroup=0)
    try:
        timed_out = not _wait_for_exit(pid, timeout_s)
    except BaseException:  # Ctrl-C while waiting: leave no orphan behind
        _kill_group(pid)
        os.wait4(pid, 0)
        raise
    end = time.perf_counter_ns()
    if timed_out:
        _kill_group(pid)
    _, status, usage = os.wait4(pid, 0)
    return ProcessResult(
        wall_ns=end - start,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        max_rss_kib=usage.ru_maxrss,
        exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        timed_out=timed_out,
    )


def _wait_for_exit(pid: int, timeout_s: float) -> bool:
    """Block until the process exits (True) or the timeout passes (False), without reaping it."""
    pidfd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(max(0, int(timeout_s * 1000))))
    finally:
        os.close(pidfd)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
