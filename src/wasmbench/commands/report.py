"""``wasmbench report``: tables (Markdown, HTML), CSV, a JSON summary and charts from result files."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.paths import check_output_path

REPORT_DIR = "report"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "report", help="tables, CSV, HTML and charts from result files (.json, .jsonl, or folders of them)"
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="RESULT", help="result file or folder")
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        help=f"folder for the report files (default: {REPORT_DIR}/ next to the first result)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # The report modules (pandas, scipy, matplotlib) load only for this command: see run.py.
    from wasmbench.reports.inputs import load_documents
    from wasmbench.reports.outputs import output_lines
    from wasmbench.reports.writer import write_report

    out = args.out or default_report_dir(args.files[0])
    check_output_path(out, "report folder", folder=True)
    documents, unreadable = load_documents(args.files, exclude=out)
    if not documents:
        raise WasmbenchError("no readable result file")
    report = write_report(documents, out)
    print(report.markdown)
    for line in output_lines(documents):
        print(line)
    print(f"report written to {out}/: {', '.join(path.name for path in report.files)}")
    return 1 if unreadable else 0


def default_report_dir(first: Path) -> Path:
    """``results/report/`` for ``results/*.json`` or ``results/``: beside the results, git-ignored."""
    return (first if first.is_dir() else first.parent) / REPORT_DIR
