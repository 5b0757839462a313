"""Run one program, or one call into an embedded runtime, as a fresh process started from a small
one, and measure it the way the kernel sees it.

``run_process`` hands each run to ``launcher.c``, a small C program built once with the project's
toolchain: it forks the program, times it with CLOCK_MONOTONIC from just before the fork to its
exit, kills its process group at the timeout and reports ``wait4``'s rusage (user and system CPU,
peak RSS). As a child subreaper it also kills whatever the program left running when it ended, in
its process group or in a session of its own, and reports how many such strays there were.
Spawning from a small process matters for memory: a child's peak RSS includes the
memory image it was exec'd from, so programs spawned by the Python harness itself would all
report at least the interpreter's footprint.

``Zygote`` gives in-process (embedded) runtimes the same supervision and the same fairness: each
call runs in a child forked from a zygote (``wasmbench.execution.zygote``), a Python process that has
imported only that runtime's package, so the child can be killed at the timeout without
instrumenting the code it runs, its CPU time is its own, and its peak RSS is the runtime's plus
one small interpreter's, not the harness's.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from wasmbench.build.toolchain import Toolchain, helper_program, host_target
from wasmbench.errors import WasmbenchError
from wasmbench.execution import zygote
from wasmbench.execution.supervision import ProcessResult, read_all, supervise
from wasmbench.execution.usage import Usage

LAUNCHER = helper_program(Path(__file__).with_name("launcher.c"))
REPORT_FD = 3
# The launcher (or the zygote) enforces the timeout; the harness only steps in if it hangs itself.
GRACE_S = 10.0


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
    stdin: Path | None = None,
) -> ProcessResult:
    """Run ``argv`` with stdin from ``stdin`` (default /dev/null) and stdout/stderr to files; kill
    it after ``timeout_s``, and whatever it started when it ends.

    A program that cannot be started exits with status 127, the reason on its stderr.
    """
    read_end, write_end = os.pipe()
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, str(stdin or os.devnull), os.O_RDONLY, 0),
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
        supervised = supervise(pid, time.perf_counter_ns(), timeout_s + GRACE_S)
        report = read_all(read_end).split()
    finally:
        os.close(read_end)
    if supervised.exit_code != 0 or len(report) != 8:
        raise WasmbenchError(f"the launcher failed for {argv[0]} ({supervised}); see {stderr}")
    wall_ns, user_us, sys_us, max_rss_kib, exit_code, signal_number, timed_out, strays = map(int, report)
    return ProcessResult(
        usage=Usage(wall_ns, user_us / 1e6, sys_us / 1e6, max_rss_kib),
        exit_code=None if exit_code < 0 else exit_code,
        signal=signal_number or None,
        timed_out=bool(timed_out),
        stray_processes=strays,
    )


class Zygote:
    """The harness's side of one zygote (``wasmbench.execution.zygote``): started on the first call, started
    anew after it died, stopped by ``close`` — and by any failure or interruption of a call, so
    that neither it nor the child it supervises outlives what the harness knows of them.
    ``packages``: the packages it imports from a folder of their own and from nowhere else (a
    runtime's release installed side by side), by name."""

    def __init__(self, module: str, packages: Mapping[str, Path] | None = None) -> None:
        self.module = module
        self.packages = dict(packages or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def call(
        self, function: str, args: tuple, *, output: Path, timeout_s: float
    ) -> tuple[ProcessResult, object | None]:
        """Run the zygote module's ``function(*args)`` in a fork of the zygote, its stdout and
        stderr to ``output``, killed after ``timeout_s``; return what the fork cost and what
        ``function`` returned (None when the fork died first). Raises ``WasmbenchError`` when the
        zygote fails."""
        process = self._started()
        assert process.stdin is not None and process.stdout is not None
        try:
            zygote.send(process.stdin.fileno(), (function, args, str(output), timeout_s))
            if not _readable(process.stdout.fileno(), timeout_s + GRACE_S):
                raise TimeoutError(f"no answer within {timeout_s + GRACE_S:g} s")
            result, answer = zygote.receive(process.stdout.fileno())  # type: ignore[misc]
        except Exception as error:
            last_words = self._last_words()
            self.close()
            raise WasmbenchError(f"the {self.module} zygote failed ({error!r}): {last_words}") from error
        except BaseException:  # Ctrl-C: the zygote kills its child as it stops
            self.close()
            raise
        return result, pickle.loads(answer) if answer else None

    def call_captured(self, function: str, args: tuple, *, what: str, timeout_s: float) -> object | None:
        """``call`` for a step whose output matters only when it fails (e.g. compiling a module
        ahead of time): what it printed is kept in a temporary file and, when the fork failed,
        raised in the ``OSError`` about ``what``. Returns what ``function`` returned."""
        with tempfile.NamedTemporaryFile(prefix="wasmbench-step-") as log:
            result, answer = self.call(function, args, output=Path(log.name), timeout_s=timeout_s)
            if result.exit_code != 0:
                raise OSError(f"{what} failed ({result.ending}): {_tail(log) or 'it printed nothing'}")
        return answer

    def close(self) -> None:
        """Stop the zygote: SIGINT makes it kill the child it supervises and exit; SIGKILL if it
        has not within the grace."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout, self._log):
            if stream is not None:
                stream.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is not None:
            self.close()  # it died between calls
        if self._process is None:
            self._log = tempfile.TemporaryFile(prefix="wasmbench-zygote-")  # noqa: SIM115 (closed by close)
            self._process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "wasmbench.execution.zygote", self.module),
                    *(f"{name}={folder}" for name, folder in self.packages.items()),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                bufsize=0,
            )
        return self._process

    def _last_words(self) -> str:
        """What the zygote last wrote on its stderr (e.g. why its module did not import)."""
        return (_tail(self._log) if self._log else "") or "nothing on its stderr"


def _tail(file: IO[bytes]) -> str:
    """The last few hundred characters of ``file``, read from its start."""
    file.seek(0)
    return file.read()[-600:].decode(errors="replace").strip()


def _readable(fd: int, timeout_s: float) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(int(timeout_s * 1000)))
