"""The containers of the Docker modes: a fresh one per ``run`` measurement, a long-lived one per
image for ``exec`` (and one per warm host, ``warm.py``), the request body streamed to the program's
stdin and its output written to the invocation's files, a watchdog for the timeout, and the sweep
of what a killed harness left behind (containers labelled with its process, and its
``run-<pid>-*`` parent cgroups)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmbench.errors import WasmbenchError
from wasmbench.execution.leftovers import end_processes
from wasmbench.execution.usage import Usage
from wasmbench.runners.docker.cgroup import Cgroup, Hierarchies
from wasmbench.runners.docker.image import LABEL, PAUSE
from wasmbench.runtimes.runner import Invocation, RunOutcome

OWNER_LABEL = "wasmbench.owner"  # "<host>:<pid>" of the harness that made the container
CGROUP_ROOT = "wasmbench"
CONTAINER_WORKDIR = "/work"
CPUS_VARIABLE, MEMORY_VARIABLE = "WASMBENCH_DOCKER_CPUS", "WASMBENCH_DOCKER_MEMORY"


class Containers:
    """One runner's containers on the engine ``client`` talks to."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._exec: dict[str, LongLivedContainer] = {}  # image tag -> its container

    def run_fresh(self, image: str, invocation: Invocation, runtime: str | None) -> RunOutcome:
        """What ``docker run --rm`` does, measured: create, start, wait for and remove a container."""
        api = self.client.api
        # A fresh parent per run, named after this process so a sweep can tell whose it was.
        parent_path = f"{CGROUP_ROOT}/run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        parent = Cgroup(parent_path, Hierarchies.of_this_machine())
        container = None
        start = time.perf_counter_ns()
        try:
            container = api.create_container(
                image,
                list(invocation.args),
                # The body goes to the program's stdin through the attach stream, which closes it
                # at the body's end (docker-py sets StdinOnce with it); without a body the
                # program's stdin is /dev/null.
                stdin_open=invocation.stdin is not None,
                **self._options(invocation.workdir, parent.path, runtime),
            )["Id"]
            created = time.perf_counter_ns()
            streams = {"stdin": int(invocation.stdin is not None), "stdout": 1, "stderr": 1, "stream": 1}
            stream = api.attach_socket(container, params=streams)
            api.start(container)
            with _Watchdog(invocation.timeout_s, lambda: api.kill(container)) as watchdog:
                _exchange(stream, invocation)
                exit_code = api.wait(container)["StatusCode"]
            exited = time.perf_counter_ns()
            api.remove_container(container, force=True)
            container = None
            end = time.perf_counter_ns()
            usage = parent.usage()
        finally:
            if container is not None:  # interrupted or failed: leave nothing behind
                with contextlib.suppress(Exception):
                    api.remove_container(container, force=True)
            parent.remove()
        return RunOutcome(
            usage=usage.as_usage(end - start),
            exit_code=None if watchdog.fired else exit_code,
            timed_out=watchdog.fired,
            phases_ns={"create": created - start, "start_to_exit": exited - created, "remove": end - exited},
        )

    def run_exec(self, image: str, program: str, invocation: Invocation) -> RunOutcome:
        """``docker exec`` of ``program`` in the image's long-lived container, measured."""
        box = self._exec_container(image, invocation)
        try:
            outcome = self.exec(box, program, invocation)
        except Exception:  # e.g. the container died with a daemon restart: the next run makes a new one
            self._discard(image)
            raise
        if outcome.timed_out:  # the watchdog removed the container
            self._exec.pop(image, None)
        return outcome

    def exec(self, box: LongLivedContainer, program: str, invocation: Invocation) -> RunOutcome:
        """``docker exec`` of ``program`` with the invocation's arguments in ``box``, measured: the
        invocation's stdin streamed to it, its output to the invocation's files, CPU and peak
        memory from the container's cgroup. A program over its timeout is stopped by removing the
        container (``docker exec`` has no kill): the caller starts another."""
        api = self.client.api
        before = box.cgroup.usage()
        box.cgroup.reset_peak()
        start = time.perf_counter_ns()
        command = [program, *invocation.args]
        exec_id = api.exec_create(
            box.id, command, workdir=CONTAINER_WORKDIR, stdin=invocation.stdin is not None
        )["Id"]
        with _Watchdog(invocation.timeout_s, lambda: self.remove(box)) as watchdog:
            _exchange(api.exec_start(exec_id, socket=True), invocation)
            exit_code = None if watchdog.fired else _exec_exit_code(api, exec_id)
        end = time.perf_counter_ns()
        if watchdog.fired:
            return RunOutcome(Usage(end - start, 0.0, 0.0, 0), exit_code=None, timed_out=True)
        usage = box.cgroup.usage().since(before).as_usage(end - start)
        # What the program left running (in its process group or out of it) would live on beside
        # the container's idle process, skewing every later run: killed, and counted.
        strays = end_processes(lambda: box.cgroup.processes() - {box.idle_pid})
        return RunOutcome(usage, exit_code=exit_code, stray_processes=strays)

    def start_long_lived(self, image: str, workdir: Path) -> LongLivedContainer:
        """A container of ``image`` idling in the pause program, ``workdir`` mounted as its
        working directory, started: programs are run in it with ``exec``."""
        api = self.client.api
        options = self._options(workdir, CGROUP_ROOT, runtime=None)
        container = api.create_container(image, entrypoint=[PAUSE], **options)["Id"]
        cgroup = Cgroup(f"{CGROUP_ROOT}/{container}", Hierarchies.of_this_machine())
        try:
            api.start(container)
            idle_pid = api.inspect_container(container)["State"]["Pid"]
        except Exception:
            self.remove(LongLivedContainer(container, workdir, cgroup, 0))
            raise
        return LongLivedContainer(container, workdir, cgroup, idle_pid)

    def remove(self, box: LongLivedContainer) -> None:
        """Remove a long-lived container, whatever state it is in, and its cgroup."""
        with contextlib.suppress(Exception):
            self.client.api.remove_container(box.id, force=True)
        box.cgroup.remove()

    def _exec_container(self, image: str, invocation: Invocation) -> LongLivedContainer:
        """The image's long-lived container with ``invocation.workdir`` mounted (started if needed)."""
        box = self._exec.get(image)
        if box is not None and box.workdir == invocation.workdir:
            return box
        self._discard(image)
        self._exec[image] = self.start_long_lived(image, invocation.workdir)
        return self._exec[image]

    def _discard(self, image: str) -> None:
        box = self._exec.pop(image, None)
        if box is not None:
            self.remove(box)

    def _options(self, workdir: Path, cgroup_parent: str, runtime: str | None) -> dict:
        cpus, memory = limits()
        host_config = self.client.api.create_host_config(
            binds={str(workdir): {"bind": CONTAINER_WORKDIR, "mode": "rw"}},
            network_mode="none",
            read_only=True,
            cgroup_parent=f"/{cgroup_parent}",
            nano_cpus=int(cpus * 1e9) if cpus else None,
            mem_limit=memory,
            runtime=runtime,
        )
        return {
            "working_dir": CONTAINER_WORKDIR,
            "labels": {LABEL: "1", OWNER_LABEL: self.owner},
            "host_config": host_config,
            "network_disabled": True,
        }

    def close(self) -> None:
        """Remove the long-lived containers."""
        for image in list(self._exec):
            self._discard(image)

    def sweep(self) -> None:
        """Remove containers of ours whose harness process is gone (killed before it could), and
        the ``run-<pid>-*`` parent cgroups such a harness left."""
        with contextlib.suppress(Exception):
            for container in self.client.containers.list(all=True, filters={"label": f"{LABEL}=1"}):
                if not _owner_alive(container.labels.get(OWNER_LABEL, "")):
                    container.remove(force=True)
        with contextlib.suppress(OSError):
            hierarchies = Hierarchies.of_this_machine()
            for folder in (hierarchies.memory / CGROUP_ROOT).glob("run-*-*"):
                if not _owner_alive(f"{socket.gethostname()}:{folder.name.split('-')[1]}"):
                    Cgroup(f"{CGROUP_ROOT}/{folder.name}", hierarchies).remove()


@dataclass(frozen=True)
class LongLivedContainer:
    """A started container idling in the pause program: its id, the host folder mounted as its
    working directory, its cgroup, and the host pid of its idle process (its init)."""

    id: str
    workdir: Path
    cgroup: Cgroup
    idle_pid: int


def limits() -> tuple[float | None, str | None]:
    """The CPU and memory limits for every container (``None``: unlimited), from the environment."""
    cpus, memory = os.environ.get(CPUS_VARIABLE), os.environ.get(MEMORY_VARIABLE)
    try:
        return (float(cpus) if cpus else None), (memory or None)
    except ValueError:
        raise WasmbenchError(f"{CPUS_VARIABLE} must be a number of CPUs, e.g. 1.5, not {cpus!r}") from None


def _exchange(stream: Any, invocation: Invocation) -> None:
    """The program's side of an attach (or exec) stream: the invocation's stdin file sent on it, in
    a thread of its own, while its output is drained into the invocation's files; then closed."""
    sender = None
    if invocation.stdin is not None:
        sender = threading.Thread(target=_send, args=(stream, invocation.stdin), daemon=True)
        sender.start()
    try:
        _drain(stream, invocation)
    finally:
        if sender is not None:
            sender.join()
        with contextlib.suppress(OSError):
            stream.close()


def _send(stream: Any, body: Path) -> None:
    """Send ``body`` and close the stream's sending side: the engine then closes the program's stdin
    (its end of input). A program that ends without reading it all ends the stream too."""
    raw = getattr(stream, "_sock", stream)  # docker-py hands a SocketIO over a unix socket
    with contextlib.suppress(OSError), body.open("rb") as source:
        raw.sendfile(source)
        raw.shutdown(socket.SHUT_WR)


def _drain(stream: Any, invocation: Invocation) -> None:
    """Write the demultiplexed attach stream to the invocation's stdout and stderr files, byte for
    byte (``docker logs`` would mangle binary output)."""
    from docker.utils.socket import STDERR, frames_iter

    with invocation.stdout.open("wb") as stdout, invocation.stderr.open("wb") as stderr:
        for stream_id, data in frames_iter(stream, tty=False):
            (stderr if stream_id == STDERR else stdout).write(data)


def _exec_exit_code(api: Any, exec_id: str) -> int | None:
    """The exec's exit status: its output has ended; the daemon records the status just after."""
    while (state := api.exec_inspect(exec_id))["Running"]:
        time.sleep(0.0005)
    return state["ExitCode"]


class _Watchdog:
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

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        if self.fired:  # the output ends when the kill begins: let the kill finish too
            self._timer.join()


def _owner_alive(owner: str) -> bool:
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
