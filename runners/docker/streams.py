"""What a measured container run needs besides the engine's API: its output written to the
invocation's files, a watchdog for its timeout, and telling whose leftover a container is."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from wasmbench.runtimes.runner import Invocation


def drain(stream: Any, invocation: Invocation) -> None:
    """Write the demultiplexed attach stream to the invocation's stdout and stderr files, byte for
    byte (``docker logs`` would mangle binary output)."""
    from docker.utils.socket import STDERR, frames_iter

    with invocation.stdout.open("wb") as stdout, invocation.stderr.open("wb") as stderr:
        for stream_id, data in frames_iter(stream, tty=False):
            (stderr if stream_id == STDERR else stdout).write(data)
    with contextlib.suppress(OSError):
        stream.close()


def exec_exit_code(api: Any, exec_id: str) -> int | None:
    """The exec's exit status: its output has ended; the daemon records the status just after."""
    while (state := api.exec_inspect(exec_id))["Running"]:
        time.sleep(0.0005)
    return state["ExitCode"]


class Watchdog:
    """Calls ``kill`` if the ``with`` block is still running after ``timeout_s``."""

    def __init__(self, timeout_s: float, kill: Callable[[], object]) -> None:
        self.fired = False
        self._kill = kill
        self._timer = threading.Timer(timeout_s, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(Exception):
            self._kill()

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        if self.fired:  # the output ends when the kill begins: let the kill finish too
            self._timer.join()


def this_harness() -> str:
    """``<host>:<pid>``: the owner label of the containers this process makes."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """Whether the harness ``<host>:<pid>`` may still be running (another host's: not ours to judge)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
