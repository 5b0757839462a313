"""Result files: pytest-benchmark-compatible JSON built from the journal, and reading them back.

Statistics are always derived from the raw runs kept in the file, and only from runs whose
output was valid: ``stats`` covers the ``ok`` runs, ``extra_info.runs`` keeps every run with its
status, rusage and phase times. Pairs without a single valid run are listed under
``wasmbench.failed`` instead of ``benchmarks``, so tools that read pytest-benchmark files never
average a failure.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytest_benchmark.stats import Stats

from wasmbench import __version__
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.plan import Pair
from wasmbench.store.journal import Journal
from wasmbench.store.storage import write_atomically

JOURNAL_SUFFIX = ".jsonl"


def benchmark_entry(pair: Pair, info: dict[str, Any], runs: list[Measurement], options: dict) -> dict:
    """One pair in pytest-benchmark's per-benchmark shape, stats over the valid runs only."""
    counts = {status.value: sum(run.status is status for run in runs) for status in Status}
    entry: dict[str, Any] = {
        "group": f"{pair.workload}/{pair.size}",
        "name": f"test_pair[{pair.key}]",
        "fullname": f"benchmarks/test_suite.py::test_pair[{pair.key}]",
        "params": {"pair": pair.key},
        "param": pair.key,
        "extra_info": {
            "workload": pair.workload,
            "size": pair.size,
            "runtime": pair.runtime,
            "mode": pair.mode,
            **info,
            "status_counts": {status: count for status, count in counts.items() if count},
            "runs": [run.to_dict() for run in runs],
        },
        "options": {
            "rounds": options.get("runs"),
            "warmup_rounds": options.get("warmup"),
            "iterations": 1,
            "timer": "wasmbench (the launcher's or the runtime's own clock: measured wall time)",
        },
    }
    valid = [run.usage.wall_ns / 1e9 for run in runs if run.ok]
    if valid:
        stats = Stats()
        for seconds in valid:
            stats.update(seconds)
        entry["stats"] = {**stats.as_dict(), "data": valid, "iterations": 1}
    return entry


def journal_sections(journal: Journal) -> tuple[list[dict], dict[str, Any]]:
    """The ``benchmarks`` list and the ``wasmbench`` section for a journal's suite."""
    options = journal.header.get("options", {})
    benchmarks, failed, missing = [], [], []
    for pair in journal.plan:
        runs = journal.runs.get(pair.key, [])
        if not runs:
            missing.append(pair.key)
            continue
        info = {**journal.pair_info.get(pair.key, {}), "stop_reason": journal.done.get(pair.key, "")}
        entry = benchmark_entry(pair, info, runs, options)
        (benchmarks if "stats" in entry else failed).append(entry)
    section = {
        "version": __version__,
        "run_id": journal.header.get("run_id"),
        "seed": journal.header.get("seed"),
        "options": options,
        "toolchain": journal.header.get("toolchain", {}),
        "runtimes": journal.header.get("runtimes", {}),
        "skipped": journal.header.get("skipped", []),
        "failed": failed,
        "not_measured": missing,
        # pairs with fewer runs than planned (an interrupted suite stops in the middle of rounds)
        "unfinished": [pair.key for pair in journal.pending()],
        "complete": not journal.pending(),
    }
    return benchmarks, section


def result_document(journal: Journal, commit_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """A whole result file from a journal alone (an interrupted suite can be reported too)."""
    benchmarks, section = journal_sections(journal)
    return {
        # what pytest-benchmark's readers look for first: the host, and what compiled and ran
        "machine_info": {
            **journal.header.get("machine_info", {}),
            "toolchain": journal.header.get("toolchain", {}),
            "runtimes": journal.header.get("runtimes", {}),
        },
        "commit_info": commit_info or {},
        "benchmarks": benchmarks,
        "datetime": datetime.now(UTC).isoformat(),
        "version": section["version"],
        "wasmbench": section,
    }


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write atomically: ``path`` is the whole result file or what it was before, never half of
    one (a full disk is one ``WasmbenchError``, the journal kept for ``--resume``)."""
    write_atomically(path, json.dumps(document, indent=2).encode(), "the result file")


def load_result(path: Path) -> dict[str, Any]:
    """Read a result file (``.json``) or a journal (``.jsonl``); damage is a clear error."""
    if path.suffix == JOURNAL_SUFFIX:
        return result_document(Journal.open(path))
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise WasmbenchError(f"cannot read {path}: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WasmbenchError(f"{path} is not valid JSON (damaged or truncated): {error}") from error
    if not isinstance(document, dict) or "wasmbench" not in document or "benchmarks" not in document:
        raise WasmbenchError(f"{path} is not a wasmbench result file")
    return document
