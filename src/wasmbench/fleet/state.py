"""What a fleet run needs to be resumed: its id and options, and which hosts' results are in.

``results/fleet.json`` names the newest fleet run; ``results/<host>/<run id>.json`` is a host's
fetched result. ``fleet run --resume`` redoes only the hosts whose complete result is missing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.store.results import load_document
from wasmbench.store.schema import ResultDocument

STATE_FILE = "fleet.json"


@dataclass(frozen=True)
class FleetRun:
    run_id: str
    suite_args: list[str]

    @classmethod
    def new(cls, suite_args: list[str]) -> FleetRun:
        return cls(f"fleet-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}", suite_args)

    @classmethod
    def load(cls, results: Path) -> FleetRun:
        path = results / STATE_FILE
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise WasmbenchError(f"there is no fleet run to resume ({path} does not exist)") from None
        except (OSError, ValueError, TypeError) as error:
            raise WasmbenchError(f"{path} is damaged: {error}") from error

    def save(self, results: Path) -> None:
        results.mkdir(parents=True, exist_ok=True)
        (results / STATE_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    def result_path(self, results: Path, host: str) -> Path:
        return results / host / f"{self.run_id}.json"

    def complete_result(self, results: Path, host: str) -> ResultDocument | None:
        """The host's fetched result document when it holds the whole suite, else None."""
        path = self.result_path(results, host)
        if not path.exists():
            return None
        try:
            document = load_document(path)
        except WasmbenchError:
            return None
        return document if document.complete else None
