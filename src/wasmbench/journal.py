"""The suite's append-only journal: every finished measurement is on disk before the next starts.

One JSON object per line, flushed and fsynced. A Ctrl-C, a crash or a power loss loses at most
the run in progress; ``wasmbench run --resume`` reads the journal back and continues. A torn last
line (the write the power loss interrupted) is ignored; any other damage is reported, not guessed at.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from wasmbench.errors import WasmbenchError
from wasmbench.measurement import Measurement
from wasmbench.plan import Pair

FORMAT = "wasmbench-journal/1"


class Journal:
    """Reads and appends the lines of one suite's journal."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self.pair_info: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, list[Measurement]] = defaultdict(list)
        self.done: dict[str, str] = {}

    @classmethod
    def create(cls, path: Path, header: dict[str, Any]) -> Journal:
        if path.exists():
            raise WasmbenchError(f"{path} exists already; pass --resume to continue it")
        path.parent.mkdir(parents=True, exist_ok=True)
        journal = cls(path, {"type": "suite", "format": FORMAT, **header})
        journal._append(journal.header)
        return journal

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Load a journal written by an earlier (possibly interrupted) suite."""
        try:
            lines = path.read_text().splitlines()
        except OSError as error:
            raise WasmbenchError(f"cannot read journal {path}: {error.strerror}") from error
        records = []
        for number, line in enumerate(lines, start=1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                if number == len(lines):
                    break  # the line a crash or power loss cut short
                raise WasmbenchError(f"{path}:{number} is not a journal line (the file is damaged)") from None
        if not records or records[0].get("format") != FORMAT:
            raise WasmbenchError(f"{path} is not a wasmbench journal")
        journal = cls(path, records[0])
        for record in records[1:]:
            journal._load(record)
        return journal

    def _load(self, record: dict[str, Any]) -> None:
        kind, key = record.get("type"), record.get("pair", "")
        if kind == "pair":
            self.pair_info[key] = record["info"]
        elif kind == "run":
            self.runs[key].append(Measurement.from_dict(record["measurement"]))
        elif kind == "done":
            self.done[key] = record.get("reason", "")

    def record_pair(self, pair: Pair, info: dict[str, Any]) -> None:
        """What a pair ran with: runtime version, artefact, prepare time (the latest wins)."""
        self._write({"type": "pair", "pair": pair.key, "info": info})

    def record_run(self, pair: Pair, measurement: Measurement) -> None:
        self._write({"type": "run", "pair": pair.key, "measurement": measurement.to_dict()})

    def record_done(self, pair: Pair, reason: str = "") -> None:
        """The pair needs no more runs (all measured, or abandoned after a timeout)."""
        self._write({"type": "done", "pair": pair.key, "reason": reason})

    @property
    def plan(self) -> list[Pair]:
        return [Pair.from_key(key) for key in self.header["plan"]]

    def pending(self) -> list[Pair]:
        return [pair for pair in self.plan if pair.key not in self.done]

    def _write(self, record: dict[str, Any]) -> None:
        self._append(record)
        self._load(record)

    def _append(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as stream:
            stream.write(json.dumps(record, separators=(",", ":")) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
