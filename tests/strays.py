"""A program that leaves a child running (``programs/stray_child.c``), and how to find the child."""

from __future__ import annotations

import uuid
from pathlib import Path

from wasmbench.build.toolchain import helper_program

STRAY_CHILD = helper_program(Path(__file__).with_name("programs") / "stray_child.c")


def unique_marker() -> str:
    """An argument no other process on this machine has: finds the child in /proc."""
    return f"wasmbench-test-{uuid.uuid4().hex}"


def processes_with(marker: str) -> list[int]:
    """The pids of the processes whose command line holds ``marker`` as one of its arguments, in
    every PID namespace (a container's processes are in this /proc too)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes().split(b"\0"):
                found.append(int(cmdline.parent.name))
        except OSError:  # it has just gone
            continue
    return found
