"""The Docker engine itself: whether one answers, what it offers, and ``setup runtimes docker``.

``setup_engine`` is the runtime's setup hook: it keeps an engine that answers; otherwise, as root,
it installs Debian's ``docker.io`` when ``dockerd`` is missing and starts the daemon with the
cgroupfs driver the runner reads.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from wasmbench.provision import apt, system
from wasmbench.provision.install import Outcome
from wasmbench.provision.runtimes import SetupRequest

SETUP_HINT = "run `wasmbench setup docker` (as root: installs Debian's docker.io, starts dockerd)"
PING_TIMEOUT_S = 5
DOCKERD_LOG = Path("/var/log/wasmbench-dockerd.log")
DAEMON_START_S = 60


def ping_client() -> Any:
    """A client with a short timeout, for questions that must not hang (is anyone there?); made
    afresh each time so it follows ``DOCKER_HOST``."""
    import docker

    return docker.from_env(timeout=PING_TIMEOUT_S)


def engine_version() -> str:
    """The version of the Docker engine that answers here, or "" when none does."""
    try:
        return str(ping_client().version()["Version"])
    except Exception:  # any failure to reach the daemon means: none answers
        return ""


def answers() -> bool:
    try:
        return bool(ping_client().ping())
    except Exception:
        return False


def wasm_shims(runtimes: Any) -> list[str]:
    """The engine's runtimes that run WebAssembly (containerd wasm shims), by name."""
    return sorted(name for name in runtimes if "wasm" in name.lower())


def cause(error: BaseException) -> str:
    """An engine error in one line: its type and the last line of its message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}".strip()


def setup_engine(request: SetupRequest) -> Outcome:
    """Make a Docker engine answer (see the module's docstring); as any user, say what is missing."""
    name = request.name
    version = engine_version()
    if version:
        return Outcome(name, "present", f"a Docker engine answers ({version})")
    if not system.is_root():
        return Outcome(
            name,
            "skipped",
            "no Docker engine answers, and starting one " + system.NEEDS_ROOT.format(name=name),
        )
    done = []
    if shutil.which("dockerd") is None:
        if shutil.which("apt-get") is None:
            return Outcome(name, "skipped", "dockerd is not installed and there is no apt-get for docker.io")
        failure = apt.install(["docker.io"])
        if failure:
            return Outcome(name, "failed", failure)
        done.append("installed docker.io")
    with DOCKERD_LOG.open("ab") as log:
        subprocess.Popen(
            ["dockerd", "--exec-opt", "native.cgroupdriver=cgroupfs"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + DAEMON_START_S
    while not (version := engine_version()):
        if time.monotonic() > deadline:
            tail = " ".join(DOCKERD_LOG.read_text(errors="replace")[-300:].split())
            return Outcome(name, "failed", f"dockerd did not answer within {DAEMON_START_S} s; log: {tail}")
        time.sleep(0.2)
    done.append(f"started dockerd {version} (log: {DOCKERD_LOG})")
    return Outcome(name, "installed", "; ".join(done))
