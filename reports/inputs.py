"""Which result documents a report reads: files as given, directories searched for result files.

A suite interrupted and later resumed can leave its journal (``.jsonl``) next to its result file
(``.json``); both describe one suite (one ``run_id``), so only the one with more runs is kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.store.results import JOURNAL_SUFFIX, load_document
from wasmbench.store.schema import ResultDocument


def result_paths(arguments: list[Path], exclude: Path | None = None) -> list[Path]:
    """Files as given; for a directory, its ``*.json`` and ``*.jsonl`` (recursively), minus ``exclude``."""
    paths = []
    for argument in arguments:
        if not argument.is_dir():
            paths.append(argument)
            continue
        found = sorted(
            p for p in argument.rglob("*") if p.suffix in (".json", JOURNAL_SUFFIX) and p.is_file()
        )
        inside = [p for p in found if exclude is None or not p.resolve().is_relative_to(exclude.resolve())]
        if not inside:
            raise WasmbenchError(f"{argument} holds no result files (*.json, *.jsonl)")
        paths += inside
    return paths


def load_documents(
    arguments: list[Path], exclude: Path | None = None, strict: bool = False
) -> tuple[list[ResultDocument], int]:
    """The readable documents and how many files or journal lines were left out (each named on
    stderr); ``strict``: the first file that cannot be read whole is the error."""
    documents: dict[str, ResultDocument] = {}
    left_out: list[str] = []
    for path in result_paths(arguments, exclude):
        try:
            document = load_document(path, None if strict else left_out)
        except WasmbenchError as error:  # report the rest; name what was left out
            if strict:
                raise
            left_out.append(str(error))
            continue
        key = document.run_id
        if key not in documents or document.run_count > documents[key].run_count:
            documents[key] = document
    for line in left_out:
        print(f"wasmbench: left out {line}", file=sys.stderr)
    return list(documents.values()), len(left_out)
