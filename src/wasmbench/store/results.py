"""Result files: the result document built from the journal, written, and loaded back checked.

Statistics are always derived from the raw runs kept in the file, and only from runs whose
output was valid: ``stats`` covers the ``ok`` runs, ``extra_info.runs`` keeps every run with its
status, rusage and phase times. Pairs without a single valid run are listed under
``wasmbench.failed`` instead of ``benchmarks``, so tools that read pytest-benchmark files never
average a failure. The layout itself is ``wasmbench.store.schema``'s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wasmbench import __version__
from wasmbench.errors import WasmbenchError
from wasmbench.store.journal import Journal
from wasmbench.store.schema import PairResult, ResultDocument
from wasmbench.store.storage import write_atomically

JOURNAL_SUFFIX = ".jsonl"


def result_document(journal: Journal, commit_info: dict[str, Any] | None = None) -> ResultDocument:
    """A whole result document from a journal alone (an interrupted suite can be reported too)."""
    header = journal.header
    # a pair ``wasmbench invoke`` measured has invocations, not runs
    invoked = {result.pair for result in journal.invocations.values()}
    pairs = [
        PairResult(pair, journal.pair_info.get(pair.key), runs, journal.done.get(pair.key, ""))
        for pair in journal.plan
        if (runs := journal.runs.get(pair.key))
    ]
    return ResultDocument(
        run_id=header.run_id,
        seed=header.seed,
        options=header.options,
        machine_info=header.machine_info,
        toolchain=header.toolchain,
        runtimes=header.runtimes,
        skipped=header.skipped,
        pairs=pairs,
        not_measured=[
            pair.key for pair in journal.plan if not journal.runs.get(pair.key) and pair not in invoked
        ],
        # pairs with fewer runs than planned (an interrupted suite stops in the middle of rounds)
        unfinished=[pair.key for pair in journal.pending()],
        version=__version__,
        datetime=datetime.now(UTC).isoformat(),
        commit_info=commit_info or {},
        invocations=list(journal.invocations.values()),
    )


def write_document(path: Path, document: ResultDocument) -> None:
    """Write atomically: ``path`` is the whole result file or what it was before, never half of
    one (a full disk is one ``WasmbenchError``, the journal kept for ``--resume``)."""
    write_atomically(path, json.dumps(document.to_dict(), indent=2).encode(), "the result file")


def load_document(path: Path, left_out: list[str] | None = None) -> ResultDocument:
    """A result file (``.json``, of any format version) or a journal (``.jsonl``), upgraded and
    checked: the one place a stored result is read, so damage is one error line naming the file
    (and the pair and run where one is at fault).

    A journal with damaged lines is an error too, unless the caller takes its intact lines: then
    the line that names the damaged ones is appended to ``left_out``.
    """
    if path.suffix == JOURNAL_SUFFIX:
        journal = Journal.open(path)
        if journal.damage:
            if left_out is None:
                raise WasmbenchError(journal.damage)
            left_out.append(journal.damage)
        return result_document(journal)
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise WasmbenchError(f"cannot read {path}: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WasmbenchError(f"{path} is not valid JSON (damaged or truncated): {error}") from error
    if not isinstance(data, dict) or "wasmbench" not in data or "benchmarks" not in data:
        raise WasmbenchError(f"{path} is not a wasmbench result file")
    try:
        return ResultDocument.from_dict(data)
    except WasmbenchError as error:
        raise WasmbenchError(f"{path}: {error}") from None
