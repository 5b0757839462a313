"""Supervise one child process: wait for it, kill its process group at the timeout, reap it with
``wait4`` and keep what the kernel counted for it (CPU time, peak RSS).

Both ways wasmbench measures a run use it: ``process.run_process`` supervises the launcher, and
the zygote (``wasmbench.execution.zygote``) supervises the forks in which embedded runtimes run. It imports
nothing but the standard library and ``usage``, so that the zygote stays small.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from wasmbench.execution.usage import Usage


@dataclass(frozen=True)
class ProcessResult:
    """What one finished (or killed) process cost, and how it ended.

    ``stray_processes`` counts the processes it had started that were still running after it
    exited, and were killed then (only ``launcher.c`` finds them: a zygote's forks run wasm
    modules, which cannot start processes).
    """

    usage: Usage
    exit_code: int | None
    signal: int | None
    timed_out: bool
    stray_processes: int = 0

    @property
    def ending(self) -> str:
        """How it ended, in a few words for an error message."""
        if self.timed_out:
            return "killed at the timeout"
        return f"signal {self.signal}" if self.signal is not None else f"status {self.exit_code}"


def run_in_fork(work: Callable[[], bytes], timeout_s: float) -> tuple[ProcessResult, bytes]:
    """Run ``work`` in a forked child in a process group of its own, killed after ``timeout_s``;
    return its costs and the bytes it returned (empty if it died). An exception in ``work`` ends
    the child with status 1, its traceback on the child's stderr.

    The child writes its answer before it exits, so keep it small (under the 64 KiB a pipe holds).
    """
    read_end, write_end = os.pipe()
    # A Ctrl-C arriving while fork() runs was lost (the suite went on); held back until fork has
    # returned, it is delivered to the parent as usual.
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
        except BaseException:
            import traceback  # only a failing child pays for it

            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    with contextlib.suppress(OSError):  # the child may have done it already
        os.setpgid(pid, pid)
    try:
        return supervise(pid, start, timeout_s), read_all(read_end)
    finally:
        os.close(read_end)


def read_all(fd: int) -> bytes:
    return b"".join(iter(lambda: os.read(fd, 1 << 16), b""))


def supervise(pid: int, start: int, timeout_s: float) -> ProcessResult:
    """Wait for ``pid`` (killing its group at the timeout), reap it and collect its rusage; wall
    time runs from ``start`` (a ``perf_counter_ns``) to its exit."""
    try:
        timed_out = not _wait_for_exit(pid, timeout_s)
    except BaseException:  # Ctrl-C while waiting: leave no orphan behind
        kill_group(pid)
        os.wait4(pid, 0)
        raise
    end = time.perf_counter_ns()
    if timed_out:
        kill_group(pid)
    _, status, rusage = os.wait4(pid, 0)
    return ProcessResult(
        usage=Usage(end - start, rusage.ru_utime, rusage.ru_stime, rusage.ru_maxrss),
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


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
