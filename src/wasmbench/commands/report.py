"""``wasmbench report``: the mean ± stddev table from one or more result files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.reports.text import failure_lines, output_lines, time_table
from wasmbench.results import load_result


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("report", help="tables from result files (.json, or .jsonl journals)")
    parser.add_argument("files", nargs="+", type=Path, metavar="RESULT_FILE")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    documents, unreadable = [], 0
    for path in args.files:
        try:
            documents.append(load_result(path))
        except WasmbenchError as error:  # report the rest; name what was left out
            print(f"wasmbench: error: {error}", file=sys.stderr)
            unreadable += 1
    if not documents:
        return 2
    print(time_table(documents))
    for line in [*output_lines(documents), *failure_lines(documents)]:
        print(line)
    return 1 if unreadable else 0
