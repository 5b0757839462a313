"""``wasmbench history RESULT...``: many result sets as a history per series, ordered by runtime
version, with the change points found in it (``compare`` judges two result sets; this, many)."""

from __future__ import annotations

import argparse

from wasmbench.commands.report import EXIT_LEFT_OUT, add_results_arguments, default_report_dir
from wasmbench.errors import WasmbenchError
from wasmbench.store.input_files import check_input_path
from wasmbench.store.paths import check_output_path

HISTORY_DIR = "history"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "history",
        help="change points across runtime versions in many result files: a table of changes and charts",
    )
    add_results_arguments(parser, "history", HISTORY_DIR)
    parser.add_argument(
        "--alpha", type=float, default=0.01, help="significance level of a change (default 0.01)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    for path in args.files:
        check_input_path(path, "result", folder=True)
    if not 0 < args.alpha < 1:
        raise WasmbenchError("--alpha must be between 0 and 1")
    # The report modules (pandas, scipy, ruptures, matplotlib) load only for this command: see run.py.
    from wasmbench.reports.history_report import write_history
    from wasmbench.reports.inputs import load_documents

    out = args.out or default_report_dir(args.files[0], HISTORY_DIR)
    check_output_path(out, "history folder", folder=True)
    documents, unreadable = load_documents(args.files, exclude=out)
    if not documents:
        raise WasmbenchError("no readable result file")
    written = write_history(documents, out, args.alpha)
    print(written.text)
    print(f"history written to {out}/: {', '.join(path.name for path in written.files)}")
    if unreadable:
        print(f"{unreadable} left out (named above): the history covers the rest")
        return EXIT_LEFT_OUT
    return 0
