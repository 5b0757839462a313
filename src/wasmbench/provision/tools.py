"""``setup tools``: the system tools wasmbench drives besides the runtimes — the load generators
``hey`` and ``wrk``, which drive a served function (``wasmbench serve``) as a user's own load would.

Both come from the distribution (Debian's packages of the same names), installed by apt-get as
root; a user who may not gets the reason instead, as for the runtimes that need root.
"""

from __future__ import annotations

import shutil

from wasmbench.provision import apt, system
from wasmbench.provision.install import Outcome

# Each tool's command and the Debian package that provides it.
TOOLS = {"hey": "hey", "wrk": "wrk"}


def setup_tools() -> list[Outcome]:
    """Install the tools that are not on ``PATH``; one outcome per tool."""
    present = {command: path for command in TOOLS if (path := shutil.which(command))}
    missing = [command for command in TOOLS if command not in present]
    status, detail = _install([TOOLS[command] for command in missing]) if missing else ("", "")
    return [
        Outcome(command, "present", present[command])
        if command in present
        else Outcome(command, status, detail or f"the distribution's {TOOLS[command]}")
        for command in TOOLS
    ]


def _install(packages: list[str]) -> tuple[str, str]:
    """The status of installing ``packages`` and why, when it is not ``installed``."""
    if not system.is_root():
        return "skipped", "not on PATH, and installing it needs root (as root: wasmbench setup tools)"
    if shutil.which("apt-get") is None:
        return "skipped", "not on PATH, and there is no apt-get"
    failure = apt.install(packages)
    return ("failed", failure) if failure else ("installed", "")
