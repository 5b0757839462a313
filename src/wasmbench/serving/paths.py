"""The two ways a function is served: warm (a host holding the loaded module, a fresh instance per
invocation) and cold (a fresh process or container per invocation: the benchmark's own run)."""

from __future__ import annotations

from typing import Literal

from wasmbench.errors import WasmbenchError
from wasmbench.runtimes.runner import Invocation, Mode, Prepared, Runner, RunOutcome, ServedModule, WarmHost

ServingPath = Literal["warm", "cold"]
WARM: ServingPath = "warm"
COLD: ServingPath = "cold"


class ColdModule:
    """The cold path as a served function: every invocation is one of the runner's ordinary runs,
    the runtime started and the module loaded each time — what a platform does without warm
    instances. Nothing is held between invocations."""

    def __init__(self, runner: Runner, prepared: Prepared) -> None:
        self.runner, self.prepared = runner, prepared

    def invoke(self, invocation: Invocation) -> RunOutcome:
        return self.runner.run(self.prepared, invocation)

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        """Nothing to stop: the runner is the caller's, closed with the rest of its runners."""


def can_serve_warm(runner: Runner, mode: Mode) -> bool:
    """Whether ``mode`` has a warm path here: its runner is a ``WarmHost`` declaring it ``warm``."""
    return mode.warm and isinstance(runner, WarmHost)


def served_module(runner: Runner, mode: Mode, prepared: Prepared, path: ServingPath) -> ServedModule:
    """``prepared`` served on ``path``; the warm path of a mode without one is an error naming it."""
    if path == COLD:
        return ColdModule(runner, prepared)
    if not can_serve_warm(runner, mode):
        raise WasmbenchError(f"{prepared.mode} has no warm host (serve it cold, or choose a warm mode)")
    return runner.serve(prepared)  # type: ignore[attr-defined]
