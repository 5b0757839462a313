"""Docker: the native program in a ``FROM scratch`` container on a real Docker engine.

**Images** are built locally (``image.py``), once per artefact: the byte-identical artefact the
native runner measures plus what it needs to start; building one is the timed prepare step.

**Modes**
- ``run``: every measurement creates, starts, waits for and removes a fresh container (what
  ``docker run --rm`` does): cold start plus compute, as a serverless platform would do it.
- ``exec``: one long-lived container per image (idling in ``docker_pause.c``); every measurement
  is a ``docker exec`` of the program in it: compute plus exec overhead, so container start-up can
  be subtracted. Docker cannot change a running container's mounts, so a new working directory
  (each pair has its own) replaces the container.
- ``docker-wasm``: the ``.wasm`` module in a container run by a containerd wasm shim, offered only
  when the engine advertises one.

Containers get ``--network none``, a read-only root filesystem and no added capabilities; the run's
working directory is bind-mounted as their working directory, their stdout and stderr are
demultiplexed from the attach stream into the invocation's files byte for byte (``docker logs``
would mangle mandelbrot's binary output). CPU and memory limits come from
``WASMBENCH_DOCKER_CPUS`` and ``WASMBENCH_DOCKER_MEMORY`` and are recorded with every result.

**Measurement.** Wall time is end to end (create to removed, or exec to exit status). CPU time
and peak memory come from the container's cgroup, not from the docker CLI or this process, and are
read through a cgroup wasmbench names as the container's parent (``--cgroup-parent``): a
container's own cgroup is deleted when it exits, but every charge is also made to its ancestors,
so a fresh parent per ``run`` measurement holds exactly that container's CPU time and peak after it
is gone. In ``exec`` mode the container's own cgroup lives on; a measurement is the CPU delta over
the exec and the peak after a reset. Both include runc's set-up work inside the container, which
is part of what a container costs. This needs the engine's ``cgroupfs`` cgroup driver
(``cgroup.py``); ``setup runtimes docker`` starts an engine with it (``engine.py``).

**No leftovers.** ``run`` containers are removed in a ``finally``; ``exec`` containers at the end of
the suite (``close``, also after Ctrl-C or SIGTERM), and — should the harness have been killed —
by a sweep of containers labelled with a harness process that no longer exists, when the next one
starts.
A daemon that stops answering turns every later run into an error outcome with the reason.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.runners.docker.cgroup import Cgroup, Hierarchies
from wasmbench.runners.docker.engine import SETUP_HINT, answers, cause, ping_client, setup_engine, wasm_shims
from wasmbench.runners.docker.image import LABEL, PAUSE, ensure_image, remove_images
from wasmbench.runners.docker.streams import Watchdog, drain, exec_exit_code, owner_alive, this_harness
from wasmbench.runtimes.runner import (
    NATIVE,
    WASM,
    Availability,
    Declaration,
    Invocation,
    Mode,
    Origin,
    Prepared,
    Runner,
    RunOutcome,
)

OWNER_LABEL = "wasmbench.owner"  # "<host>:<pid>" of the harness that made the container
CGROUP_ROOT = "wasmbench"
CONTAINER_WORKDIR = "/work"
CPUS_VARIABLE, MEMORY_VARIABLE = "WASMBENCH_DOCKER_CPUS", "WASMBENCH_DOCKER_MEMORY"
ENGINE = Origin("Docker engine")


class DockerRunner(Runner):
    # Containers take no layout padding: the harness does not set their processes' environment.
    declaration = Declaration(
        name="docker",
        title="Docker",
        modes=(
            Mode("run", NATIVE, layout_padding=False, source=ENGINE),
            Mode("exec", NATIVE, layout_padding=False, source=ENGINE),
            Mode("docker-wasm", WASM, layout_padding=False, source=ENGINE),
        ),
        representative=("run",),
        setup=setup_engine,
    )

    def __init__(self) -> None:
        self._client: Any = None
        self._version: dict[str, str] | None = None
        self._images: dict[str, str] = {}  # artefact sha256 -> image tag
        self._exec_containers: dict[str, _ExecContainer] = {}  # image tag -> its container
        self._owner = this_harness()

    # -- the engine ----------------------------------------------------------------------------

    def availability(self, mode: str) -> Availability:
        try:
            info = ping_client().info()
        except ImportError as error:
            return Availability.no(f"the docker Python package does not load: {error}", "pip install docker")
        except Exception as error:  # any failure to reach the daemon means: not available here
            return Availability.no(f"no Docker daemon answers: {cause(error)}", SETUP_HINT)
        if info.get("CgroupDriver") != "cgroupfs":
            return Availability.no(
                f"the Docker engine uses the {info.get('CgroupDriver')} cgroup driver; wasmbench reads a "
                "container's CPU and memory through a parent cgroup it names, which needs cgroupfs",
                "start dockerd with --exec-opt native.cgroupdriver=cgroupfs",
            )
        try:
            Hierarchies.of_this_machine()
        except OSError as error:
            return Availability.no(f"cannot read cgroups here: {error}")
        runtimes = sorted(info.get("Runtimes", {}))
        if mode == "docker-wasm" and not wasm_shims(runtimes):
            return Availability.no(
                f"the Docker engine advertises no WebAssembly runtime (runtimes: {', '.join(runtimes)})",
                "a containerd wasm shim such as runwasi's io.containerd.wasmedge.v1, "
                "registered as a dockerd runtime",
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        """Engine, containerd, runc and cgroup set-up; asked once (results of one suite share it,
        and a daemon that died since must not stop the suite from recording its failures)."""
        if self._version is None:
            engine = self.client.version()
            info = self.client.info()
            components = {item["Name"].lower(): item["Version"] for item in engine.get("Components", [])}
            self._version = {
                "docker-engine": engine["Version"],
                "docker-api": engine["ApiVersion"],
                "containerd": components.get("containerd", "?"),
                "runc": components.get("runc", "?"),
                "cgroup": f"v{info.get('CgroupVersion', '1')} {info.get('CgroupDriver')}",
                "storage-driver": info.get("Driver", "?"),
                "docker-py": metadata.version("docker"),
            }
        return self._version

    def flags(self, mode: str) -> tuple[str, ...]:
        """What makes a mode's containers what they are: recorded with every result."""
        cpus, memory = limits()
        flags = (
            "--network=none",
            "--read-only",
            "--cap-add=none",
            f"--cpus={cpus or 'unlimited'}",
            f"--memory={memory or 'unlimited'}",
            f"--cgroup-parent=/{CGROUP_ROOT}",
        )
        if mode == "exec":
            return (*flags, "docker exec in a long-lived container")
        if mode == "docker-wasm":
            return (*flags, f"--runtime={self._wasm_shim()}")
        return (*flags, "fresh container per run (docker run --rm)")

    @property
    def client(self) -> Any:
        """The client measurements use: no socket timeout (a run may be silent for minutes; the
        watchdog enforces the run's timeout). Leftovers of dead harnesses are swept on first use."""
        if self._client is None:
            import docker

            self._client = docker.from_env(timeout=None)
            self._sweep()
        return self._client

    def _wasm_shim(self) -> str:
        shims = wasm_shims(self.client.info().get("Runtimes", {}))
        if not shims:
            raise WasmbenchError("the Docker engine advertises no WebAssembly runtime")
        return shims[0]

    # -- images ----------------------------------------------------------------------------------

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        """Build the artefact's image unless it exists; building is the timed prepare step."""
        self.declaration.mode(mode)
        start = time.perf_counter_ns()
        try:
            built = self._ensure_image(artefact)
        except Exception as error:
            message = (
                f"docker could not build the image of {artefact.workload}: {self._engine_failure(error)}"
            )
            raise WasmbenchError(message) from error
        elapsed = time.perf_counter_ns() - start
        return Prepared(
            artefact,
            mode,
            artefact.path,
            elapsed if built else None,
            cached=not built,
            flags=self.flags(mode),
        )

    def _ensure_image(self, artefact: Artefact) -> bool:
        tag, built = ensure_image(self.client, artefact)
        self._images[artefact.sha256] = tag
        return built

    def _image(self, prepared: Prepared) -> str:
        if prepared.artefact.sha256 not in self._images:
            self._ensure_image(prepared.artefact)
        return self._images[prepared.artefact.sha256]

    def clean(self) -> list[str]:
        """Remove our images (and containers of harnesses that are gone); an image a running
        suite uses stays."""
        self._sweep()
        return remove_images(self.client)

    # -- one measured run ------------------------------------------------------------------------

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        import docker

        try:
            image = self._image(prepared)
            if prepared.mode == "exec":
                return self._run_exec(image, prepared, invocation)
            runtime = self._wasm_shim() if prepared.mode == "docker-wasm" else None
            return self._run_fresh(image, invocation, runtime)
        except (docker.errors.DockerException, OSError) as error:  # OSError: the socket, a cgroup
            return RunOutcome.failure(self._engine_failure(error))

    def _run_fresh(self, image: str, invocation: Invocation, runtime: str | None) -> RunOutcome:
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
                **self._container_options(invocation, parent.path, runtime),
            )["Id"]
            created = time.perf_counter_ns()
            stream = api.attach_socket(container, params={"stdout": 1, "stderr": 1, "stream": 1})
            api.start(container)
            with Watchdog(invocation.timeout_s, lambda: api.kill(container)) as watchdog:
                drain(stream, invocation)
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

    def _run_exec(self, image: str, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        api = self.client.api
        box = self._exec_container(image, invocation)
        before = box.cgroup.usage()
        box.cgroup.reset_peak()
        start = time.perf_counter_ns()
        command = [f"/{prepared.artefact.path.name}", *invocation.args]
        try:
            exec_id = api.exec_create(box.id, command, workdir=CONTAINER_WORKDIR)["Id"]
        except Exception:  # e.g. the container died with a daemon restart: the next run makes a new one
            self._discard(image)
            raise
        with Watchdog(invocation.timeout_s, lambda: self._discard(image)) as watchdog:
            drain(api.exec_start(exec_id, socket=True), invocation)
            exit_code = None if watchdog.fired else exec_exit_code(api, exec_id)
        end = time.perf_counter_ns()
        if watchdog.fired:
            return RunOutcome(Usage(end - start, 0.0, 0.0, 0), exit_code=None, timed_out=True)
        return RunOutcome(box.cgroup.usage().since(before).as_usage(end - start), exit_code=exit_code)

    def _exec_container(self, image: str, invocation: Invocation) -> _ExecContainer:
        """The image's long-lived container with ``invocation.workdir`` mounted (started if needed)."""
        box = self._exec_containers.get(image)
        if box is not None and box.workdir == invocation.workdir:
            return box
        self._discard(image)
        api = self.client.api
        options = self._container_options(invocation, CGROUP_ROOT, runtime=None)
        container = api.create_container(image, entrypoint=[PAUSE], **options)["Id"]
        self._exec_containers[image] = _ExecContainer(
            container, invocation.workdir, Cgroup(f"{CGROUP_ROOT}/{container}", Hierarchies.of_this_machine())
        )
        api.start(container)
        return self._exec_containers[image]

    def _discard(self, image: str) -> None:
        box = self._exec_containers.pop(image, None)
        if box is not None:
            with contextlib.suppress(Exception):
                self.client.api.remove_container(box.id, force=True)
            box.cgroup.remove()

    def _container_options(self, invocation: Invocation, cgroup_parent: str, runtime: str | None) -> dict:
        cpus, memory = limits()
        host_config = self.client.api.create_host_config(
            binds={str(invocation.workdir): {"bind": CONTAINER_WORKDIR, "mode": "rw"}},
            network_mode="none",
            read_only=True,
            cgroup_parent=f"/{cgroup_parent}",
            nano_cpus=int(cpus * 1e9) if cpus else None,
            mem_limit=memory,
            runtime=runtime,
        )
        return {
            "working_dir": CONTAINER_WORKDIR,
            "labels": {LABEL: "1", OWNER_LABEL: self._owner},
            "host_config": host_config,
            "network_disabled": True,
        }

    def _engine_failure(self, error: Exception) -> str:
        """Why a run or build failed: first of all, whether the daemon is still there."""
        if not answers():
            return f"the Docker daemon stopped answering ({cause(error)}); {SETUP_HINT}"
        return cause(error)

    # -- leftovers -------------------------------------------------------------------------------

    def close(self) -> None:
        for image in list(self._exec_containers):
            self._discard(image)

    def _sweep(self) -> None:
        """Remove containers of ours whose harness process is gone (killed before it could), and
        the ``run-<pid>-*`` parent cgroups such a harness left."""
        with contextlib.suppress(Exception):
            for container in self._client.containers.list(all=True, filters={"label": f"{LABEL}=1"}):
                if not owner_alive(container.labels.get(OWNER_LABEL, "")):
                    container.remove(force=True)
        with contextlib.suppress(OSError):
            hierarchies = Hierarchies.of_this_machine()
            for folder in (hierarchies.memory / CGROUP_ROOT).glob("run-*-*"):
                if not owner_alive(f"{socket.gethostname()}:{folder.name.split('-')[1]}"):
                    Cgroup(f"{CGROUP_ROOT}/{folder.name}", hierarchies).remove()


@dataclass(frozen=True)
class _ExecContainer:
    id: str
    workdir: Path
    cgroup: Cgroup


def limits() -> tuple[float | None, str | None]:
    """The CPU and memory limits for every container (``None``: unlimited), from the environment."""
    cpus, memory = os.environ.get(CPUS_VARIABLE), os.environ.get(MEMORY_VARIABLE)
    try:
        return (float(cpus) if cpus else None), (memory or None)
    except ValueError:
        raise WasmbenchError(f"{CPUS_VARIABLE} must be a number of CPUs, e.g. 1.5, not {cpus!r}") from None
