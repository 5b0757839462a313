"""One measured run, validated: the record every statistic and report is derived from
(``Measurement``, stored as ``wasmbench.store.schema`` says).

Validation is part of measuring (as in sightglass): a run whose stdout is not what the check
expects (the manifest's digest, or a reference made by the build step) is ``wrong_output`` and
never enters a statistic.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from wasmbench.runtimes.runner import RunOutcome
from wasmbench.store.schema import Measurement, Status


class OutputCheck(Protocol):
    """Judges a run's stdout: a ``SizeSpec`` compares digests, ``wasmbench.build.checks`` has the others."""

    def mismatch(self, output: bytes) -> str | None:
        """Why ``output`` is wrong, or None when it is right."""

    def summary(self, output: bytes) -> str:
        """What a right ``output`` says, in one line for the report ("" when nothing is worth it)."""

    @property
    def description(self) -> str:
        """How the output is judged, in a few words for the report."""

    @property
    def exit_code(self) -> int:
        """The exit status a right run ends with (0 unless the workload says otherwise)."""


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
        stray_processes=outcome.stray_processes,
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
    if outcome.exit_code != expected.exit_code:
        wanted = f" (expected {expected.exit_code})" if expected.exit_code else ""
        return Status.CRASHED, f"exit status {outcome.exit_code}{wanted}"
    if (mismatch := expected.mismatch(output)) is not None:
        return Status.WRONG_OUTPUT, mismatch
    return Status.OK, ""
