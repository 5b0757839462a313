"""``wasmbench report``: tables (Markdown, HTML), CSV, a JSON summary and charts from result files."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.store.input_files import check_input_path
from wasmbench.store.paths import check_output_path

REPORT_DIR = "report"
# The report was written, but without a result file that could not be read (damaged, impossible
# times) or a journal's damaged lines: a script must not take it for the report of all it passed.
EXIT_LEFT_OUT = 1


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "report", help="tables, CSV, HTML and charts from result files (.json, .jsonl, or folders of them)"
    )
    add_results_arguments(parser, "report", REPORT_DIR)
    add_prices_option(parser)
    parser.add_argument(
        "--gb-second-price",
        type=float,
        metavar="PRICE",
        help="a function platform's price per GB-second: adds the serverless cost table (e.g. 0.0000166667)",
    )
    parser.add_argument(
        "--memory-step",
        type=int,
        default=128,
        metavar="MIB",
        help="with --gb-second-price: memory is billed rounded up to this step (default 128)",
    )
    parser.set_defaults(handler=handle)


def add_results_arguments(parser: argparse.ArgumentParser, what: str, default_dir: str) -> None:
    """The result files or folders to read, and ``-o/--out``: where the ``what`` files go."""
    parser.add_argument("files", nargs="+", type=Path, metavar="RESULT", help="result file or folder")
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        help=f"folder for the {what} files (default: {default_dir}/ next to the first result)",
    )


def add_prices_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices",
        type=Path,
        metavar="FILE",
        help="TOML file of prices per hour by host name: host = 0.085 (USD), or a [host] table with "
        'per_hour = 0.085 and currency = "EUR"; overrides the results\' own',
    )


def handle(args: argparse.Namespace) -> int:
    for path in args.files:
        check_input_path(path, "result", folder=True)
    # The report modules (pandas, scipy, matplotlib) load only for this command: see run.py.
    from wasmbench.host.prices import read_prices, warn_unmatched
    from wasmbench.reports.cost import Serverless
    from wasmbench.reports.inputs import load_documents
    from wasmbench.reports.outputs import output_lines
    from wasmbench.reports.writer import write_report

    prices = read_prices(args.prices) if args.prices else {}
    serverless = (
        Serverless(args.gb_second_price, args.memory_step) if args.gb_second_price is not None else None
    )
    out = args.out or default_report_dir(args.files[0])
    check_output_path(out, "report folder", folder=True)
    documents, unreadable = load_documents(args.files, exclude=out)
    if not documents:
        raise WasmbenchError("no readable result file")
    if args.prices:
        warn_unmatched(prices, {document.machine_info["label"] for document in documents}, args.prices)
    report = write_report(documents, out, prices, serverless)
    print(report.markdown)
    for line in output_lines(documents):
        print(line)
    print(f"report written to {out}/: {', '.join(path.name for path in report.files)}")
    if unreadable:
        print(f"{unreadable} left out (named above): the report covers the rest")
        return EXIT_LEFT_OUT
    return 0


def default_report_dir(first: Path, name: str = REPORT_DIR) -> Path:
    """``results/report/`` for ``results/*.json`` or ``results/``: beside the results, git-ignored."""
    return (first if first.is_dir() else first.parent) / name
