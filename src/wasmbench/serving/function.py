"""What an HTTP request means to a served workload: the module's arguments and standard input, how
its output is judged, and what the response carries.

A workload is served as it runs (``Program``): the request body is its standard input, its
arguments are its size's, the response is its standard output, judged by the size's check — the
same check its runs pass. A workload judged by a classification check is an image classifier and is
served as one (``serving.classifier``). ``--front-only`` serves an ``Echo`` instead of a runtime:
what the HTTP front and its pool cost without any function.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wasmbench.build.checks import AnyOutput
from wasmbench.build.inputs import Inputs
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import OutputCheck
from wasmbench.runtimes.runner import Invocation, RunOutcome


class BadRequest(ValueError):
    """A request body the function cannot take (e.g. not an image): the client's error (400)."""


@dataclass(frozen=True)
class Call:
    """One request made ready for an invocation: the module's arguments, its standard input (empty:
    none) and the check its output must pass."""

    args: tuple[str, ...]
    stdin: bytes
    check: OutputCheck


class Function(Protocol):
    """How a workload takes a request and answers it."""

    content_type: str

    def call(self, body: bytes, workdir: Path) -> Call:
        """The invocation ``body`` asks for; it may write files into ``workdir`` (the instance's own,
        preopened as the module's ``.``). Raises ``BadRequest`` for a body it cannot take."""
        ...

    def response(self, output: bytes) -> bytes:
        """The response body of an invocation whose ``output`` passed its check."""
        ...


@dataclass(frozen=True)
class Program:
    """A workload served as it runs: the body is its standard input, its stdout the response."""

    args: tuple[str, ...]
    check: OutputCheck
    content_type: str = "application/octet-stream"

    def call(self, body: bytes, workdir: Path) -> Call:
        return Call(self.args, body, self.check)

    def response(self, output: bytes) -> bytes:
        return output


# --front-only: no inputs to stage, no arguments, and the echo's output is right whatever it is.
NO_INPUTS = Inputs(None, (), AnyOutput())
ECHO = Program((), AnyOutput())


class Echo:
    """A served module without a runtime, for ``--front-only``: each invocation copies its standard
    input to its standard output in the front's own process."""

    def invoke(self, invocation: Invocation) -> RunOutcome:
        if invocation.stdin is None:
            invocation.stdout.write_bytes(b"")
        else:
            shutil.copyfile(invocation.stdin, invocation.stdout)
        return RunOutcome(Usage.zero())

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        """Nothing to stop."""
