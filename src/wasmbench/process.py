"""Run one program as a fresh process and measure it the way the kernel sees it.

``run_process`` hands each run to ``launcher.c``, a small C program built once with the project's
toolchain: it forks the program, times it with CLOCK_MONOTONIC from just before the fork to its
exit, kills its process group at the timeout and reports ``wait4``'s rusage (user and system CPU,
peak RSS). Spawning from a small process matters for memory: a child's peak RSS includes the
memory image it was exec'd from, so programs spawned by the Python harness itself would all
report at least the interpreter's footprint.

``run_in_fork`` gives in-process (embedded) runtimes the same supervision: the work runs in a
forked child that can be killed at the timeout without instrumenting the code it runs, and whose
CPU time is its own (its peak RSS includes the harness it was forked from, which it runs inside).
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.toolchain import Toolchain, helper_program, host_target

LAUNCHER = helper_program(Path(__file__).with_name("launcher.c"))
REPORT_FD = 3
# The launcher enforces the timeout; the harness only steps in if the launcher itself hangs.
LAUNCHER_GRACE_S = 10.0


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


@functools.cache
def launcher_path() -> Path:
    return Toolchain().build(LAUNCHER, host_target()).path


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

    A program that cannot be started exits with status 127, the reason on its stderr.
    """
    read_end, write_end = os.pipe()
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(stdout), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, str(stderr), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_DUP2, write_end, REPORT_FD),
    ]
    launcher = str(launcher_path())
    timeout_ms = str(max(1, round(timeout_s * 1000)))
    try:
        try:
            # posix_spawn has no working-directory action in Python; the harness is
            # single-threaded while it spawns, so changing ours for the call is safe.
            with contextlib.chdir(cwd):
                pid = os.posix_spawn(
                    launcher,
                    [launcher, timeout_ms, *map(str, argv)],
                    dict(env or {}),
                    file_actions=file_actions,
                    setpgroup=0,
                )
        finally:
            os.close(write_end)
        supervised = _supervise(pid, time.perf_counter_ns(), timeout_s + LAUNCHER_GRACE_S)
        report = _read_all(read_end).split()
    finally:
        os.close(read_end)
    if supervised.exit_code != 0 or len(report) != 7:
        raise WasmbenchError(f"the launcher failed for {argv[0]} ({supervised}); see {stderr}")
    wall_ns, user_us, sys_us, max_rss_kib, exit_code, signal_number, timed_out = map(int, report)
    return ProcessResult(
        wall_ns=wall_ns,
        user_s=user_us / 1e6,
        sys_s=sys_us / 1e6,
        max_rss_kib=max_rss_kib,
        exit_code=None if exit_code < 0 else exit_code,
        signal=signal_number or None,
        timed_out=bool(timed_out),
    )


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
        return _supervise(pid, start, timeout_s), _read_all(read_end)
    finally:
        os.close(read_end)


def _read_all(fd: int) -> bytes:
    return b"".join(iter(lambda: os.read(fd, 1 << 16), b""))


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
