"""Run one program as a fresh process and measure it the way the kernel sees it.

``posix_spawn`` starts the program without a fork of the (large) Python process, a pidfd tells
when it ends without polling, and ``wait4`` returns its own rusage: user and system CPU and peak
RSS of that one child. Wall time is ``perf_counter_ns`` from just before the spawn to the moment
the pidfd becomes readable.

``run_in_fork`` gives in-process (embedded) runtimes the same supervision: the work runs in a
forked child that can be killed at the timeout without instrumenting the code it runs, and whose
rusage is its own.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable, Mapping, Sequence
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
    return _supervise(pid, start, timeout_s)


def run_in_fork(work: Callable[[], bytes], timeout_s: float) -> tuple[ProcessResult, bytes]:
    """Run ``work`` in a forked child, killed after ``timeout_s``; return its costs and the bytes
    it returned (empty if it died). An exception in ``work`` ends the child with status 1.

    The child writes its answer before it exits, so keep it small (under the 64 KiB a pipe holds).
    """
    read_end, write_end = os.pipe()
    # A Ctrl-C arriving while fork() runs was lost (the suite went on); held back until fork has
    # returned, it is delivered to the harness as usual.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    start = time.perf_counter_ns()
    pid = os.fork()
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    if pid == 0:  # the child: never return into the caller's stack
        status = 1
        try:
            os.close(read_end)
            os.setpgid(0, 0)
            os.write(write_end, work())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with contextlib.suppress(OSError):  # the child may have done it already
        os.setpgid(pid, pid)
    try:
        result = _supervise(pid, start, timeout_s)
        chunks = list(iter(lambda: os.read(read_end, 1 << 16), b""))
    finally:
        os.close(read_end)
    return result, b"".join(chunks)


def _supervise(pid: int, start: int, timeout_s: float) -> ProcessResult:
    """Wait for ``pid`` (killing its group at the timeout), reap it and collect its rusage."""
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
