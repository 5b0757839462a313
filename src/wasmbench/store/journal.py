"""The suite's append-only journal: every finished measurement is on disk before the next starts.

One JSON object per line, each appended with a single write and fsynced: a Ctrl-C, a crash, a
power loss or a full disk loses at most the run in progress. A file that does not end in a
newline ends in a torn line (the write that was cut short); readers ignore it, and ``resume``
cuts it off before appending, so the first new record starts a line of its own. Any other damage
is reported, not guessed at.

Writing is for one process at a time (``wasmbench.store.lock``): ``create`` and ``resume`` take the
journal's lock, ``close`` (or the end of the process) gives it up. ``open`` only reads.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wasmbench.errors import WasmbenchError
from wasmbench.store.lock import JournalLock
from wasmbench.store.schema import (
    InvocationResult,
    JournalHeader,
    Measurement,
    Pair,
    PairInfo,
    Sample,
    sample_kind,
    sample_record,
)
from wasmbench.store.storage import append_line, write_atomically, write_failed

FORMAT = "wasmbench-journal/1"
WHAT = "the journal"


class Journal:
    """Reads and appends the lines of one suite's journal."""

    def __init__(self, path: Path, header: JournalHeader) -> None:
        self.path = path
        self.header = header
        self.pair_info: dict[str, PairInfo] = {}
        self.runs: dict[str, list[Measurement]] = defaultdict(list)
        self.done: dict[str, str] = {}
        # ``wasmbench invoke``'s samples, by ``InvocationResult.key`` (pair and path).
        self.invocations: dict[str, InvocationResult] = {}
        # The lines ``open`` left out, by number, with what is wrong with each.
        self.damaged: dict[int, str] = {}
        # What ``resume`` repaired, in one line for the caller to print (None: nothing to repair).
        self.repaired: str | None = None
        self._fd: int | None = None
        self._lock: JournalLock | None = None

    @classmethod
    def create(cls, path: Path, header: JournalHeader) -> Journal:
        """Start a journal at ``path`` and lock it for this process.

        The file is claimed with ``O_EXCL``: of two processes creating the same name at once, one
        gets it and the other an error, never half of each's suite.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise write_failed(error, WHAT, path) from error
        journal = cls(path, header)
        journal._lock = JournalLock.acquire(path)
        try:
            journal._fd = os.open(
                path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666
            )
        except FileExistsError:
            journal.close()
            raise WasmbenchError(f"{path} exists already; pass --resume to continue it") from None
        except OSError as error:
            journal.close()
            raise write_failed(error, WHAT, path) from error
        try:
            journal._append({"type": "suite", "format": FORMAT, **header.to_dict()})
        except WasmbenchError:
            journal.delete()  # not even the header made it: nothing to resume
            raise
        return journal

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Load a journal written by an earlier (possibly interrupted) suite, to read it.

        A line that is not a record (not JSON, or not what its type says) is left out and listed in
        ``damaged``: every intact line is still read. A damaged header is the error, since without
        it the plan is unknown.
        """
        try:
            data = path.read_bytes()
        except OSError as error:
            raise WasmbenchError(f"cannot read journal {path}: {error.strerror}") from error
        lines = _whole_lines(data)
        try:
            first = json.loads(lines[0]) if lines else None
        except ValueError:
            first = None
        if not isinstance(first, dict) or first.get("format") != FORMAT:
            raise WasmbenchError(f"{path} is not a wasmbench journal")
        try:
            journal = cls(path, JournalHeader.from_dict(first))
        except WasmbenchError as error:
            raise WasmbenchError(f"{path}: {error}") from None
        for number, line in enumerate(lines[1:], start=2):
            try:
                journal._load(_record(line), f"line {number}")
            except WasmbenchError as error:
                journal.damaged[number] = str(error)
            except (ValueError, KeyError, TypeError):  # not JSON, or a record without its parts
                journal.damaged[number] = f"line {number} is not a journal record"
        return journal

    @property
    def damage(self) -> str | None:
        """The damaged lines, in one line naming them and the first one's fault (None: none)."""
        if not self.damaged:
            return None
        return f"{self.path}: {self._damaged_lines()} left out ({next(iter(self.damaged.values()))})"

    def _damaged_lines(self) -> str:
        return f"damaged line{'s' * (len(self.damaged) > 1)} {', '.join(map(str, self.damaged))}"

    @classmethod
    def resume(cls, path: Path) -> Journal:
        """Open ``path`` to continue its suite: lock it and cut off a torn last line (``repaired``
        then says so); raises ``WasmbenchError`` when another process measures into it, or when a
        line is damaged (``repair`` is the way on)."""
        cls.open(path)  # a missing or foreign file is reported as such, before a lock file is made
        lock = JournalLock.acquire(path)
        try:
            journal = cls.open(path)  # as it is now that no other process appends
            if journal.damage:
                raise WasmbenchError(
                    f"{journal.damage}; a suite does not continue on a guess: "
                    f"wasmbench run --resume --repair -o {path.with_suffix('.json')} continues without "
                    f"them (the damaged file is kept as {damaged_copy(path).name})"
                )
        except WasmbenchError:
            lock.release()
            raise
        journal._lock = lock
        journal._writable()
        return journal

    @classmethod
    def repair(cls, path: Path) -> str | None:
        """Rewrite ``path`` without its damaged lines, the original kept beside it as
        ``damaged_copy(path)``; what was done, in one line (None: nothing was damaged)."""
        lock = JournalLock.acquire(path)
        try:
            journal = cls.open(path)
            if not journal.damaged:
                return None
            data = path.read_bytes()
            kept = [
                line for number, line in enumerate(_whole_lines(data), 1) if number not in journal.damaged
            ]
            write_atomically(damaged_copy(path), data, "the damaged journal's copy")
            write_atomically(path, b"".join(line + b"\n" for line in kept), WHAT)
            return f"{path}: removed {journal._damaged_lines()}; the damaged file is {damaged_copy(path)}"
        finally:
            lock.release()

    @property
    def has_measurements(self) -> bool:
        """Whether any run was recorded: a journal without one is not worth resuming or keeping."""
        return any(self.runs.values()) or bool(self.invocations)

    def close(self) -> None:
        """Stop appending and give up the lock (a closed journal can still be read); idempotent."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def delete(self) -> None:
        """Remove the journal (its suite is complete, or it never measured) and close it."""
        self.close()
        self.path.unlink(missing_ok=True)

    def discard_if_empty(self) -> bool:
        """Delete the journal when it holds no run (a suite stopped before measuring anything):
        it would only be picked up by ``--resume``. Returns whether it was deleted."""
        if self.has_measurements:
            return False
        self.delete()
        return True

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _load(self, record: dict[str, Any], what: str = "a record") -> None:
        kind, key = record.get("type"), record.get("pair", "")
        if kind == "pair":
            self.pair_info[key] = PairInfo.from_dict(record["info"], f"{what}, pair {key}")
        elif kind == "run":
            self.runs[key].append(Measurement.from_dict(record["measurement"], f"{what}, a run of {key}"))
        elif kind == "invocation":
            sample = sample_record(record["kind"], record["sample"], f"{what}, an invocation of {key}")
            self.invocation_result(Pair.from_key(key), record["path"]).add(sample)
        elif kind == "done":
            self.done[key] = record.get("reason", "")

    def record_pair(self, pair: Pair, info: PairInfo) -> None:
        """What a pair ran with: runtime version, artefact, prepare time (the latest wins)."""
        self._write({"type": "pair", "pair": pair.key, "info": asdict(info)})

    def record_run(self, pair: Pair, measurement: Measurement) -> None:
        self._write({"type": "run", "pair": pair.key, "measurement": measurement.to_dict()})

    def record_invocation(self, pair: Pair, path: str, sample: Sample) -> None:
        """One of ``wasmbench invoke``'s measurements of ``pair`` served on ``path``."""
        self._write(
            {
                "type": "invocation",
                "pair": pair.key,
                "path": path,
                "kind": sample_kind(sample),
                "sample": asdict(sample),
            }
        )

    def invocation_result(self, pair: Pair, path: str) -> InvocationResult:
        """The samples of ``pair`` on ``path`` so far (an empty result before the first)."""
        result = InvocationResult(pair, path)
        return self.invocations.setdefault(result.key, result)

    def record_done(self, pair: Pair, reason: str = "") -> None:
        """The pair needs no more runs (all measured, or abandoned after a timeout)."""
        self._write({"type": "done", "pair": pair.key, "reason": reason})

    @property
    def plan(self) -> list[Pair]:
        return self.header.pairs

    def pending(self) -> list[Pair]:
        return [pair for pair in self.plan if pair.key not in self.done]

    def _write(self, record: dict[str, Any]) -> None:
        self._append(record)
        self._load(record)

    def _append(self, record: dict[str, Any]) -> None:
        """One whole line, fsynced; a full disk is one ``WasmbenchError`` and leaves the file
        ending in a whole line, so appending continues once there is room."""
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        try:
            append_line(self._writable(), line)
        except OSError as error:
            raise write_failed(error, WHAT, self.path) from error

    def _writable(self) -> int:
        """The descriptor to append with: a journal loaded by ``open`` is locked and repaired as by
        ``resume`` on its first record."""
        if self._fd is not None:
            return self._fd
        if self._lock is None:
            self._lock = JournalLock.acquire(self.path)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
            data = self.path.read_bytes()
            whole = data.rfind(b"\n") + 1
            if torn := len(data) - whole:
                os.ftruncate(fd, whole)
                os.fsync(fd)
                self.repaired = (
                    f"{self.path}: cut off a torn last line ({torn} bytes, the record being written "
                    "when the suite stopped)"
                )
        except OSError as error:
            self.close()
            raise write_failed(error, WHAT, self.path) from error
        self._fd = fd
        return fd


def damaged_copy(path: Path) -> Path:
    """Where ``repair`` keeps a damaged journal as it was (no ``.jsonl``: no reader takes it)."""
    return path.with_name(f"{path.name}.damaged")


def _whole_lines(data: bytes) -> list[bytes]:
    """The lines that end in a newline: a last line without one is torn (see the module's doc)."""
    whole, newline, _ = data.rpartition(b"\n")
    return whole.split(b"\n") if newline else []


def _record(line: bytes) -> dict[str, Any]:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    return record
