"""What only root may install, for the runtimes' setup hooks: Debian packages (a runtime from the
distribution where its package is new enough), and the words for a user who may not.

Nothing is forced: a user who may not install system packages gets the reason (in a fleet: allow
Ansible's ``become`` for the host) instead of an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from wasmbench.provision import apt
from wasmbench.provision.install import Outcome

NEEDS_ROOT = "needs root (as root: `wasmbench setup runtimes {name}`; in a fleet: wasmbench_become: true)"


def is_root() -> bool:
    return os.geteuid() == 0


def distribution_package(name: str, package: str, oldest: int) -> Outcome | None:
    """Install the runtime ``name`` from the distribution's ``package`` when its major version is at
    least ``oldest``; None when the distribution cannot serve (not root, no apt-get, or too old)."""
    if not is_root() or shutil.which("apt-get") is None:
        return None
    candidate = _apt_candidate(package)
    if candidate is None or _major(candidate) < oldest:
        return None
    failure = apt.install([package])
    if failure:
        return Outcome(name, "failed", failure)
    return Outcome(name, "installed", f"the distribution's {package} {candidate}")


def _apt_candidate(package: str) -> str | None:
    answer = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    match = re.search(r"Candidate:\s*(\S+)", answer.stdout)
    return match.group(1) if match and match.group(1) != "(none)" else None


def _major(debian_version: str) -> int:
    match = re.match(r"(?:\d+:)?(\d+)", debian_version)
    return int(match.group(1)) if match else 0
