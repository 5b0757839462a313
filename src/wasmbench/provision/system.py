"""What only root may install: a Docker engine (Debian's ``docker.io`` and ``dockerd``), and Node.js
from the distribution's own ``nodejs`` where that one is new enough.

Neither is forced: an engine that answers is kept, and a user who may not install system packages
gets the reason (in a fleet: allow Ansible's ``become`` for the host) instead of an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from wasmbench.provision import apt
from wasmbench.provision.install import Outcome

DOCKERD_LOG = Path("/var/log/wasmbench-dockerd.log")
DAEMON_START_S = 60
NEEDS_ROOT = "needs root (as root: `wasmbench setup runtimes {name}`; in a fleet: wasmbench_become: true)"


def is_root() -> bool:
    return os.geteuid() == 0


def docker_engine() -> Outcome:
    """Make a Docker engine answer: keep a running one; otherwise install Debian's ``docker.io``
    when ``dockerd`` is missing and start the daemon with the cgroupfs driver wasmbench reads."""
    from wasmbench.runners.docker import engine_version

    version = engine_version()
    if version:
        return Outcome("docker", "present", f"a Docker engine answers ({version})")
    if not is_root():
        return Outcome(
            "docker",
            "skipped",
            "no Docker engine answers, and starting one " + NEEDS_ROOT.format(name="docker"),
        )
    done = []
    if shutil.which("dockerd") is None:
        if shutil.which("apt-get") is None:
            return Outcome(
                "docker", "skipped", "dockerd is not installed and there is no apt-get for docker.io"
            )
        failure = apt.install(["docker.io"])
        if failure:
            return Outcome("docker", "failed", failure)
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
            return Outcome(
                "docker", "failed", f"dockerd did not answer within {DAEMON_START_S} s; log: {tail}"
            )
        time.sleep(0.2)
    done.append(f"started dockerd {version} (log: {DOCKERD_LOG})")
    return Outcome("docker", "installed", "; ".join(done))


def distribution_node(oldest: int) -> Outcome | None:
    """Install the distribution's ``nodejs`` when it is at least version ``oldest``; None when it
    cannot serve (not root, no apt-get, or too old: Debian 12 and Ubuntu 24.04 ship 18)."""
    if not is_root() or shutil.which("apt-get") is None:
        return None
    candidate = _apt_candidate("nodejs")
    if candidate is None or _major(candidate) < oldest:
        return None
    failure = apt.install(["nodejs"])
    if failure:
        return Outcome("node", "failed", failure)
    return Outcome("node", "installed", f"the distribution's nodejs {candidate}")


def _apt_candidate(package: str) -> str | None:
    answer = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    match = re.search(r"Candidate:\s*(\S+)", answer.stdout)
    return match.group(1) if match and match.group(1) != "(none)" else None


def _major(debian_version: str) -> int:
    match = re.match(r"(?:\d+:)?(\d+)", debian_version)
    return int(match.group(1)) if match else 0
