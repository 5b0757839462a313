"""Where result files go by default, and the journal that belongs to each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wasmbench.machine import host_label

RESULTS_DIR = Path("results")


def default_result_path(results_dir: Path = RESULTS_DIR) -> Path:
    """``results/<host label>-<UTC time>.json``: sortable, and never overwrites an earlier suite."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir.mkdir(parents=True, exist_ok=True)
    return results_dir / f"{host_label()}-{stamp}.json"


def journal_path_for(result_path: Path) -> Path:
    return result_path.with_suffix(".jsonl")


def result_path_for(journal_path: Path) -> Path:
    return journal_path.with_suffix(".json")


def latest_journal(results_dir: Path = RESULTS_DIR) -> Path | None:
    """The most recently written journal: the suite ``--resume`` continues."""
    journals = sorted(results_dir.glob("*.jsonl"), key=lambda path: path.stat().st_mtime)
    return journals[-1] if journals else None
