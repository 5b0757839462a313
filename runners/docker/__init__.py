"""Docker: the native program in a ``FROM scratch`` container on a real Docker engine.

**Images** are built locally (no registry): the byte-identical artefact the native runner measures
plus exactly what it needs to start — the dynamic loader and the libraries ``ldd`` names, copied
from this host, so the container runs the same glibc as the native run. They are tagged
``wasmbench/<workload>:<content hash>`` and labelled ``wasmbench=1``: built once, reused by every
suite, removed by ``wasmbench clean``.

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
is part of what a container costs. This needs the engine's ``cgroupfs`` cgroup driver.

**No leftovers.** ``run`` containers are removed in a ``finally``; ``exec`` containers at the end of
the suite (``close``), at interpreter exit, and — should the harness have been killed — by a sweep
of containers labelled with a harness process that no longer exists, when the next one starts.
A daemon that stops answering turns every later run into an error outcome with the reason.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import socket
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from wasmbench.build.cache import content_key, file_sha256
from wasmbench.build.toolchain import WASM_TARGET, Artefact, Toolchain, helper_program
from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.extras import MissingExtra, require
from wasmbench.runners.docker.cgroup import Cgroup, Hierarchies
from wasmbench.runtimes.runner import Availability, Invocation, Prepared, Runner, RunOutcome

LABEL = "wasmbench"
OWNER_LABEL = "wasmbench.owner"  # "<host>:<pid>" of the harness that made the container
CGROUP_ROOT = "wasmbench"
CONTAINER_WORKDIR = "/work"
PAUSE = "/wasmbench-pause"
CPUS_VARIABLE, MEMORY_VARIABLE = "WASMBENCH_DOCKER_CPUS", "WASMBENCH_DOCKER_MEMORY"
SETUP_HINT = "run `wasmbench setup docker` (as root: installs Debian's docker.io, starts dockerd)"
PING_TIMEOUT_S = 5


class DockerRunner(Runner):
    name = "docker"
    title = "Docker"
    target = "native"
    modes = ("run", "exec", "docker-wasm")
    prepared_modes = frozenset(modes)

    def __init__(self) -> None:
        self._client: Any = None
        self._version: dict[str, str] | None = None
        self._images: dict[str, str] = {}  # artefact sha256 -> image tag
        self._exec_containers: dict[str, _ExecContainer] = {}  # image tag -> its container
        self._owner = f"{socket.gethostname()}:{os.getpid()}"
        atexit.register(self.close)

    # -- the engine ----------------------------------------------------------------------------

    def availability(self) -> Availability:
        try:
            require("docker", "docker")
            info = _ping_client().info()
        except MissingExtra as missing:
            return Availability.no(missing.reason, missing.install)
        except Exception as error:  # any failure to reach the daemon means: not available here
            return Availability.no(f"no Docker daemon answers: {_cause(error)}", SETUP_HINT)
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
        return Availability.yes()

    def mode_availability(self, mode: str) -> Availability:
        availability = self.availability()
        if mode != "docker-wasm" or not availability.available:
            return availability
        runtimes = sorted(_ping_client().info().get("Runtimes", {}))
        if not wasm_shims(runtimes):
            return Availability.no(
                f"the Docker engine advertises no WebAssembly runtime (runtimes: {', '.join(runtimes)})",
                "a containerd wasm shim such as runwasi's io.containerd.wasmedge.v1, "
                "registered as a dockerd runtime",
            )
        return availability

    def origin(self, mode: str) -> str:
        return "Docker engine"

    def target_for(self, mode: str) -> str:
        return WASM_TARGET if mode == "docker-wasm" else self.target

    def version(self) -> dict[str, str]:
        """Engine, containerd, runc and cgroup set-up; asked once (results of one suite share it,
        and a daemon that died since must not stop the suite from recording its failures)."""
        if self._version is None:
            self._version = self._ask_version()
        return self._version

    def _ask_version(self) -> dict[str, str]:
        engine = self.client.version()
        info = self.client.info()
        components = {item["Name"].lower(): item["Version"] for item in engine.get("Components", [])}
        return {
            "docker-engine": engine["Version"],
            "docker-api": engine["ApiVersion"],
            "containerd": components.get("containerd", "?"),
            "runc": components.get("runc", "?"),
            "cgroup": f"v{info.get('CgroupVersion', '1')} {info.get('CgroupDriver')}",
            "storage-driver": info.get("Driver", "?"),
            "docker-py": metadata.version("docker"),
        }

    def mode_flags(self, mode: str) -> list[str]:
        cpus, memory = limits()
        flags = [
            "--network=none",
            "--read-only",
            "--cap-add=none",
            f"--cpus={cpus or 'unlimited'}",
            f"--memory={memory or 'unlimited'}",
            f"--cgroup-parent=/{CGROUP_ROOT}",
        ]
        if mode == "exec":
            return [*flags, "docker exec in a long-lived container"]
        if mode == "docker-wasm":
            return [*flags, f"--runtime={self._wasm_shim()}"]
        return [*flags, "fresh container per run (docker run --rm)"]

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
        self.check_mode(mode)
        start = time.perf_counter_ns()
        try:
            built = self._ensure_image(artefact)
        except Exception as error:
            failure = self._engine_failure(error)
            message = f"docker could not build the image of {artefact.workload}: {failure}"
            raise WasmbenchError(message) from error
        elapsed = time.perf_counter_ns() - start
        return Prepared(artefact, mode, artefact.path, elapsed if built else None, cached=not built)

    def _ensure_image(self, artefact: Artefact) -> bool:
        """Make sure the artefact's image exists; True when it had to be built."""
        import docker

        files, entrypoint = self._image_files(artefact)
        dockerfile = f'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["{entrypoint}"]\n'
        key = content_key(dockerfile, *(f"{inside}={file_sha256(host)}" for inside, host in files.items()))
        tag = f"wasmbench/{artefact.workload}:{key[:16]}"
        self._images[artefact.sha256] = tag
        try:
            self.client.images.get(tag)
            return False
        except docker.errors.ImageNotFound:
            pass
        context = io.BytesIO()
        with tarfile.open(fileobj=context, mode="w") as tar:
            dockerfile_info = tarfile.TarInfo("Dockerfile")
            dockerfile_info.size = len(dockerfile)
            tar.addfile(dockerfile_info, io.BytesIO(dockerfile.encode()))
            for inside, host in files.items():
                tar.add(host.resolve(), arcname=f"rootfs{inside}")
        context.seek(0)
        labels = {LABEL: "1", f"{LABEL}.workload": artefact.workload, f"{LABEL}.artefact": artefact.sha256}
        self.client.images.build(
            fileobj=context, custom_context=True, tag=tag, labels=labels, rm=True, forcerm=True
        )
        return True

    def _image_files(self, artefact: Artefact) -> tuple[dict[str, Path], str]:
        """What goes into the image (path inside -> file on this host) and its entrypoint."""
        program = f"/{artefact.path.name}"
        if artefact.target == WASM_TARGET:
            return {program: artefact.path}, program
        pause = Toolchain().build(_PAUSE_PROGRAM, artefact.target).path
        files = {program: artefact.path, PAUSE: pause}
        for binary in (artefact.path, pause):
            files.update({str(library): library for library in shared_libraries(binary)})
        return files, program

    def _image(self, prepared: Prepared) -> str:
        if prepared.artefact.sha256 not in self._images:
            self._ensure_image(prepared.artefact)
        return self._images[prepared.artefact.sha256]

    def clean(self) -> list[str]:
        """Remove our images (and containers of harnesses that are gone); an image a running
        suite uses stays."""
        import docker

        self._sweep()
        removed = []
        for image in self.client.images.list(filters={"label": f"{LABEL}=1"}):
            for tag in image.tags or [image.id]:
                try:
                    self.client.images.remove(tag, force=False)
                    removed.append(tag)
                except docker.errors.APIError as error:
                    removed.append(f"{tag} kept: {_cause(error)}")
        return removed

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
            with _Watchdog(invocation.timeout_s, lambda: api.kill(container)) as watchdog:
                _drain(stream, invocation)
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
        with _Watchdog(invocation.timeout_s, lambda: self._discard(image)) as watchdog:
            _drain(api.exec_start(exec_id, socket=True), invocation)
            exit_code = None if watchdog.fired else _exec_exit_code(api, exec_id)
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
        if not self._answers():
            return f"the Docker daemon stopped answering ({_cause(error)}); {SETUP_HINT}"
        return _cause(error)

    # -- leftovers -------------------------------------------------------------------------------

    def close(self) -> None:
        for image in list(self._exec_containers):
            self._discard(image)

    def _sweep(self) -> None:
        """Remove containers of ours whose harness process is gone (killed before it could), and
        the ``run-<pid>-*`` parent cgroups such a harness left."""
        with contextlib.suppress(Exception):
            for container in self._client.containers.list(all=True, filters={"label": f"{LABEL}=1"}):
                if not _owner_alive(container.labels.get(OWNER_LABEL, "")):
                    container.remove(force=True)
        with contextlib.suppress(OSError):
            hierarchies = Hierarchies.of_this_machine()
            for folder in (hierarchies.memory / CGROUP_ROOT).glob("run-*-*"):
                if not _owner_alive(f"{socket.gethostname()}:{folder.name.split('-')[1]}"):
                    Cgroup(f"{CGROUP_ROOT}/{folder.name}", hierarchies).remove()

    def _answers(self) -> bool:
        try:
            return bool(_ping_client().ping())
        except Exception:
            return False


@dataclass(frozen=True)
class _ExecContainer:
    id: str
    workdir: Path
    cgroup: Cgroup


# Idles in exec containers: scratch images have no sleep.
_PAUSE_PROGRAM = helper_program(Path(__file__).with_name("docker_pause.c"))


def limits() -> tuple[float | None, str | None]:
    """The CPU and memory limits for every container (``None``: unlimited), from the environment."""
    cpus, memory = os.environ.get(CPUS_VARIABLE), os.environ.get(MEMORY_VARIABLE)
    try:
        return (float(cpus) if cpus else None), (memory or None)
    except ValueError:
        raise WasmbenchError(f"{CPUS_VARIABLE} must be a number of CPUs, e.g. 1.5, not {cpus!r}") from None


def wasm_shims(runtimes: Any) -> list[str]:
    """The engine's runtimes that run WebAssembly (containerd wasm shims), by name."""
    return sorted(name for name in runtimes if "wasm" in name.lower())


def shared_libraries(binary: Path) -> list[Path]:
    """The dynamic loader and libraries ``binary`` loads, as ``ldd`` names them; none if static."""
    result = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if result.returncode != 0:
        if "not a dynamic executable" in result.stderr + result.stdout:
            return []
        raise WasmbenchError(f"ldd {binary} failed: {result.stderr.strip()}")
    libraries = []
    for line in result.stdout.splitlines():
        words = line.replace("=>", " ").split()
        libraries += [Path(word) for word in words if word.startswith("/")]
    return libraries


def engine_version() -> str:
    """The version of the Docker engine that answers here, or "" when none does."""
    try:
        return str(_ping_client().version()["Version"])
    except Exception:  # any failure to reach the daemon means: none answers
        return ""


def _ping_client() -> Any:
    """A client with a short timeout, for questions that must not hang (is anyone there?); made
    afresh each time so it follows ``DOCKER_HOST``."""
    import docker

    return docker.from_env(timeout=PING_TIMEOUT_S)


def _drain(stream: Any, invocation: Invocation) -> None:
    """Write the demultiplexed attach stream to the invocation's stdout and stderr files."""
    from docker.utils.socket import STDERR, frames_iter

    with invocation.stdout.open("wb") as stdout, invocation.stderr.open("wb") as stderr:
        for stream_id, data in frames_iter(stream, tty=False):
            (stderr if stream_id == STDERR else stdout).write(data)
    with contextlib.suppress(OSError):
        stream.close()


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
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's (a remote engine): not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cause(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".strip()
