"""A warm host's process, from the harness's side: started once, then one invocation at a time.

A warm host (what a runner's ``serve`` returns) that runs in a process of its own — the runtime,
its engine and the compiled module loaded once — speaks this protocol, whatever its language
(Python hosts use ``host_loop``; Node's host is a script):

- it reads requests on file descriptor 3 and writes answers on descriptor 4, one JSON object per
  line, so that nothing the runtime prints on its stdout or stderr (both go to a log file) can
  garble them; it exits when descriptor 3 reaches its end (the harness closed it, or died);
- once its module is loaded it writes ``{"ready": true}`` (or ``{"ready": false, "error": …}``);
- a request is ``{"args": […], "workdir": …, "stdin": … or null, "stdout": …, "stderr": …}``:
  one invocation in a fresh instance, ``args`` the module's arguments after the program's name,
  ``workdir`` preopened as ``.``, its standard streams those files (stdin null: empty);
- an answer is what a zygote's fork reports (``RunOutcome.from_fork``): ``wall_ns``,
  ``exit_code`` (null when it did not exit), and where they apply ``trap``, ``error``,
  ``phases_ns``, plus the host's ``user_s``/``sys_s`` during the invocation and ``max_rss_kib``.

An invocation over its timeout is killed with the whole host (its process group: a runtime
cannot be trusted to stop a module that does not return) and the host is started again, so the
next invocation finds it warm; so is a host that died. Both are counted in ``restarts``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.runtimes.runner import Invocation, RunOutcome
from wasmbench.serving.host_loop import ANSWER_FD, REQUEST_FD

START_TIMEOUT_S = 120.0


class HostProcess:
    """One warm host process (``argv``), started at once; a ``ServedModule``."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        env: Mapping[str, str] | None = None,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self.argv, self.name, self.start_timeout_s = list(argv), name, start_timeout_s
        self.env = {**os.environ, **(env or {})}
        self.restarts = 0
        self._pid: int | None = None
        self._requests = self._answers = -1
        self._log: IO[bytes] | None = None
        self._start()

    def invoke(self, invocation: Invocation) -> RunOutcome:
        request = {
            "args": list(invocation.args),
            "workdir": str(invocation.workdir),
            "stdin": str(invocation.stdin) if invocation.stdin else None,
            "stdout": str(invocation.stdout),
            "stderr": str(invocation.stderr),
        }
        started = time.perf_counter_ns()
        try:
            os.write(self._requests, json.dumps(request).encode() + b"\n")
            answer = self._answer(invocation.timeout_s)
        except (OSError, EOFError, ValueError):
            reason = f"the {self.name} host died: {self._last_words()}"
            self._restart()
            return RunOutcome.failure(reason)
        if answer is None:
            self._restart()
            wall_ns = time.perf_counter_ns() - started
            return RunOutcome(Usage(wall_ns, 0.0, 0.0, 0), exit_code=None, timed_out=True)
        return _outcome(answer)

    def pids(self) -> list[int]:
        return [self._pid] if self._pid is not None else []

    def close(self) -> None:
        """Kill the host and everything it started, and reap it."""
        pid, self._pid = self._pid, None
        for fd in (self._requests, self._answers):
            if fd >= 0:
                os.close(fd)
        self._requests = self._answers = -1
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if self._log is not None:
            self._log.close()
            self._log = None

    def _start(self) -> None:
        """Spawn the host in a session of its own and wait until it has loaded its module."""
        request_read, self._requests = os.pipe()
        self._answers, answer_write = os.pipe()
        self._log = tempfile.TemporaryFile(prefix=f"wasmbench-{self.name}-host-")  # noqa: SIM115 (closed by close)
        try:
            self._pid = os.posix_spawn(
                self.argv[0],
                self.argv,
                self.env,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, self._log.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, self._log.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, request_read, REQUEST_FD),
                    (os.POSIX_SPAWN_DUP2, answer_write, ANSWER_FD),
                ],
                setsid=True,
            )
        except OSError as error:
            self.close()
            raise WasmbenchError(f"the {self.name} host did not start: {error}") from error
        finally:
            os.close(request_read)
            os.close(answer_write)
        try:
            ready = self._answer(self.start_timeout_s)
        except (OSError, EOFError, ValueError):
            ready = {"ready": False, "error": self._last_words()}
        if not ready or not ready.get("ready"):
            reason = (ready or {}).get("error") or f"not ready within {self.start_timeout_s:g} s"
            self.close()
            raise WasmbenchError(f"the {self.name} host did not start: {reason}")

    def _restart(self) -> None:
        self.close()
        self.restarts += 1
        self._start()

    def _answer(self, timeout_s: float) -> dict | None:
        """The host's next line, parsed; None when none came within ``timeout_s``."""
        poller = select.poll()
        poller.register(self._answers, select.POLLIN)
        if not poller.poll(max(1, int(timeout_s * 1000))):
            return None
        line = bytearray()
        while not line.endswith(b"\n"):
            chunk = os.read(self._answers, 65536)
            if not chunk:
                raise EOFError("the host closed its answers")
            line += chunk
        return json.loads(line)

    def _last_words(self) -> str:
        """The end of what the host printed (e.g. why its runtime did not load)."""
        if self._log is None:
            return "nothing on its output"
        self._log.seek(0)
        return self._log.read()[-600:].decode(errors="replace").strip() or "nothing on its output"


def _outcome(answer: dict) -> RunOutcome:
    return RunOutcome(
        usage=Usage(
            answer["wall_ns"],
            answer.get("user_s", 0.0),
            answer.get("sys_s", 0.0),
            answer.get("max_rss_kib", 0),
        ),
        exit_code=answer.get("exit_code"),
        phases_ns=answer.get("phases_ns", {}),
        error=answer.get("error"),
        trap=answer.get("trap"),
    )


def host_argv(module: str, *args: str | Path, packages: Mapping[str, Path] | None = None) -> list[str]:
    """The command of a Python warm host: ``python -m module args…`` with this interpreter; with
    ``packages`` (name: folder, e.g. a runtime version installed side by side), each imported only
    from its folder (``execution.isolated``)."""
    if not packages:
        return [sys.executable, "-m", module, *map(str, args)]
    isolation = [f"{name}={folder}" for name, folder in packages.items()]
    return [sys.executable, "-m", "wasmbench.execution.isolated", module, *isolation, "--", *map(str, args)]
