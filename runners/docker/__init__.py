"""Docker: the native program in a ``FROM scratch`` container on a real Docker engine.

**Images** are built locally (``image.py``), once per artefact: the byte-identical artefact the
native runner measures plus what it needs to start; building one is the timed prepare step.

**Modes**
- ``run``: every measurement creates, starts, waits for and removes a fresh container (what
  ``docker run --rm`` does): cold start plus compute, as a serverless platform would do it.
- ``exec``: one long-lived container per image (idling in ``docker_pause.c``); every measurement
  is a ``docker exec`` of the program in it: compute plus exec overhead, so container start-up can
  be subtracted. Docker cannot change a running container's mounts, so a new working directory
  (each pair has its own) replaces the container. Served warm (``serve``, ``warm.py``), it is a
  function platform's warm container: started once, an exec per invocation.
- ``docker-wasm``: the ``.wasm`` module in a container run by a containerd wasm shim, offered only
  when the engine advertises one.

Containers get ``--network none``, a read-only root filesystem and no added capabilities; the run's
working directory is bind-mounted as their working directory, an invocation's stdin file (a
served request's body) is streamed to the program through the attach (or exec) stream as
``docker run -i`` does, and their stdout and stderr are demultiplexed from that stream into the
invocation's files byte for byte (``docker logs`` would mangle mandelbrot's binary output). CPU
and memory limits come from ``WASMBENCH_DOCKER_CPUS`` and ``WASMBENCH_DOCKER_MEMORY`` and are
recorded with every result.

**Measurement.** Wall time is end to end (create to removed, or exec to exit status). CPU time
and peak memory come from the container's cgroup, not from the docker CLI or this process, and are
read through a cgroup wasmbench names as the container's parent (``--cgroup-parent``): a
container's own cgroup is deleted when it exits, but every charge is also made to its ancestors,
so a fresh parent per ``run`` measurement holds exactly that container's CPU time and peak after it
is gone. In ``exec`` mode the container's own cgroup lives on; a measurement is the CPU delta over
the exec and the peak after a reset. Both include runc's set-up work inside the container, which
is part of what a container costs. This needs the engine's ``cgroupfs`` cgroup driver
(``cgroup.py``); ``setup runtimes docker`` starts an engine with it (``engine.py``).

**No leftovers** (``containers.py``). ``run`` containers are removed in a ``finally``; ``exec``
containers at the end of the suite (``close``, also after Ctrl-C or SIGTERM), and — should the
harness have been killed — by a sweep of containers labelled with a harness process that no longer
exists, when the next one starts. A daemon that stops answering turns every later run into an
error outcome with the reason.
"""

from __future__ import annotations

import time
from importlib import metadata
from pathlib import Path
from typing import Any

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.extras import MissingExtra, require
from wasmbench.runners.docker.cgroup import Hierarchies
from wasmbench.runners.docker.containers import CGROUP_ROOT, Containers, limits
from wasmbench.runners.docker.engine import SETUP_HINT, answers, cause, ping_client, setup_engine, wasm_shims
from wasmbench.runners.docker.image import ensure_image, remove_images
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
    ServedModule,
)

ENGINE = Origin("Docker engine")


class DockerRunner(Runner):
    # Containers take no layout padding: the harness does not set their processes' environment.
    declaration = Declaration(
        name="docker",
        title="Docker",
        modes=(
            Mode("run", NATIVE, layout_padding=False, source=ENGINE),
            Mode("exec", NATIVE, layout_padding=False, source=ENGINE, warm=True),
            Mode("docker-wasm", WASM, layout_padding=False, source=ENGINE),
        ),
        representative=("run",),
        setup=setup_engine,
    )

    def __init__(self) -> None:
        self._containers: Containers | None = None
        self._version: dict[str, str] | None = None
        self._images: dict[str, str] = {}  # artefact sha256 -> image tag

    # -- the engine ----------------------------------------------------------------------------

    def availability(self, mode: str) -> Availability:
        try:
            require("docker", "docker")
            info = ping_client().info()
        except MissingExtra as missing:
            return Availability.no(missing.reason, missing.install)
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
    def containers(self) -> Containers:
        """This runner's containers, on a client without a socket timeout (a run may be silent for
        minutes; the watchdog enforces the run's timeout). Leftovers of dead harnesses are swept
        on first use."""
        if self._containers is None:
            import docker

            self._containers = Containers(docker.from_env(timeout=None))
            self._containers.sweep()
        return self._containers

    @property
    def client(self) -> Any:
        return self.containers.client

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
        self.containers.sweep()
        return remove_images(self.client)

    # -- one measured run ------------------------------------------------------------------------

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        import docker

        try:
            image = self._image(prepared)
            if prepared.mode == "exec":
                return self.containers.run_exec(image, f"/{prepared.artefact.path.name}", invocation)
            runtime = self._wasm_shim() if prepared.mode == "docker-wasm" else None
            return self.containers.run_fresh(image, invocation, runtime)
        except (docker.errors.DockerException, OSError) as error:  # OSError: the socket, a cgroup
            return RunOutcome.failure(self._engine_failure(error))

    def serve(self, prepared: Prepared) -> ServedModule:
        """``exec`` served warm (``warm.py``): a container started once, an exec per invocation."""
        from wasmbench.runners.docker.warm import WarmContainer

        if prepared.mode != "exec":
            raise WasmbenchError(f"docker:{prepared.mode} has no warm host (docker:exec has)")
        try:
            image = self._image(prepared)
        except Exception as error:
            reason = self._engine_failure(error)
            raise WasmbenchError(
                f"docker could not build the image of {prepared.artefact.workload}: {reason}"
            ) from error
        return WarmContainer(self.containers, image, f"/{prepared.artefact.path.name}")

    def _engine_failure(self, error: Exception) -> str:
        """Why a run or build failed: first of all, whether the daemon is still there."""
        if not answers():
            return f"the Docker daemon stopped answering ({cause(error)}); {SETUP_HINT}"
        return cause(error)

    def close(self) -> None:
        if self._containers is not None:
            self._containers.close()
