"""One measured run, validated: the record every statistic and report is derived from.

Validation is part of measuring (as in sightglass): a run whose stdout is not what the check
expects (the manifest's digest, or a reference made by the build step) is ``wrong_output`` and
never enters a statistic.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from wasmbench.execution.usage import Usage
from wasmbench.runtimes.runner import RunOutcome


class OutputCheck(Protocol):
    """Judges a run's stdout: a ``SizeSpec`` compares digests, ``wasmbench.build.checks`` has the others."""

    def mismatch(self, output: bytes) -> str | None:
        """Why ``output`` is wrong, or None when it is right."""

    def summary(self, output: bytes) -> str:
        """What a right ``output`` says, in one line for the report ("" when nothing is worth it)."""

    @property
    def description(self) -> str:
        """How the output is judged, in a few words for the report."""


class Status(StrEnum):
    OK = "ok"
    WRONG_OUTPUT = "wrong_output"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    ERROR = "error"


# Where a run stood in an interleaved suite; recorded only when known, so that the records of
# suites that did not interleave keep the shape they always had.
RUN_CONTEXT = ("round", "position", "layout_padding")


@dataclass(frozen=True)
class Measurement:
    """A run's costs, its output digest and whether the output was right.

    ``round`` is the interleaved round the run belonged to, ``position`` its place within that
    round and ``layout_padding`` the bytes of environment padding it ran with (None: not recorded).
    """

    status: Status
    usage: Usage
    exit_code: int | None
    signal: int | None
    stdout_sha256: str
    stdout_bytes: int
    phases_ns: dict[str, int] = field(default_factory=dict)
    detail: str = ""
    summary: str = ""
    round: int | None = None
    position: int | None = None
    layout_padding: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @classmethod
    def failure(cls, status: Status, detail: str) -> Measurement:
        """A run that never ran (e.g. its prepare step failed): nothing measured, ``detail`` says why."""
        return cls(status, Usage.zero(), None, None, "", 0, detail=detail)

    def with_run_context(
        self, round: int | None, position: int | None, layout_padding: int | None
    ) -> Measurement:
        """This run, placed in its suite (None for what the suite did not record)."""
        return replace(self, round=round, position=position, layout_padding=layout_padding)

    def to_dict(self) -> dict[str, object]:
        """The flat record of result files and journals: the usage's keys stand beside the others."""
        record = asdict(self)
        del record["status"], record["usage"]
        flat = {"status": self.status.value, **self.usage.to_dict(), **record}
        return {key: value for key, value in flat.items() if key not in RUN_CONTEXT or value is not None}

    @classmethod
    def from_dict(cls, data: dict) -> Measurement:
        usage = Usage.from_dict(data)
        rest = {key: value for key, value in data.items() if key not in usage.to_dict()}
        return cls(**(rest | {"status": Status(data["status"]), "usage": usage}))


def validate(outcome: RunOutcome, stdout: Path, stderr: Path, expected: OutputCheck) -> Measurement:
    """Turn what a runner observed into a Measurement with a status and, on failure, why."""
    output = stdout.read_bytes() if stdout.exists() else b""
    digest = hashlib.sha256(output).hexdigest()
    status, detail = _judge(outcome, output, expected)
    if status is not Status.OK and stderr.exists():
        tail = stderr.read_bytes()[-400:].decode(errors="replace").strip()
        detail = f"{detail}; stderr: {tail}" if tail else detail
    return Measurement(
        status=status,
        usage=outcome.usage,
        exit_code=outcome.exit_code,
        signal=outcome.signal,
        stdout_sha256=digest,
        stdout_bytes=len(output),
        phases_ns=dict(outcome.phases_ns),
        detail=detail,
        summary=expected.summary(output) if status is Status.OK else "",
    )


def _judge(outcome: RunOutcome, output: bytes, expected: OutputCheck) -> tuple[Status, str]:
    if outcome.timed_out:
        return Status.TIMEOUT, f"killed after the timeout ({outcome.usage.wall_ns / 1e9:.1f} s)"
    if outcome.error:
        return Status.ERROR, outcome.error
    if outcome.trap:
        return Status.CRASHED, outcome.trap
    if outcome.signal is not None:
        return Status.CRASHED, f"killed by signal {outcome.signal}"
    if outcome.exit_code != 0:
        return Status.CRASHED, f"exit status {outcome.exit_code}"
    if (mismatch := expected.mismatch(output)) is not None:
        return Status.WRONG_OUTPUT, mismatch
    return Status.OK, ""
