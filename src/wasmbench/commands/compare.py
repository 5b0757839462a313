"""``wasmbench compare A B``: per pair, is B faster, slower or not significantly different from A?

For CI pipelines, ``--fail-above PCT`` exits 1 when any pair is significantly slower by more
than PCT percent.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wasmbench.commands.report import add_prices_option
from wasmbench.errors import WasmbenchError
from wasmbench.store.input_files import check_input_path

EXIT_SLOWER = 1
TESTS = ("welch", "mannwhitney")  # the values of reports.statistics.SignificanceTest


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "compare", help="B against A per pair: ratio with CI and a significance verdict"
    )
    parser.add_argument("a", type=Path, metavar="A", help="baseline result file or folder (one host)")
    parser.add_argument("b", type=Path, metavar="B", help="result file or folder to judge (one host)")
    parser.add_argument("--alpha", type=float, default=0.01, help="significance level (default 0.01)")
    parser.add_argument("--test", choices=TESTS, default=TESTS[0], help="welch (default) or mannwhitney")
    parser.add_argument(
        "--fail-above",
        type=float,
        metavar="PCT",
        help="exit 1 if any pair is significantly slower in B by more than PCT percent",
    )
    add_prices_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    for path in (args.a, args.b):
        check_input_path(path, "result", folder=True)
    # The report modules (pandas, scipy) load only for this command: see run.py.
    from wasmbench.host.prices import read_prices, warn_unmatched
    from wasmbench.reports.compare import (
        comparison_frame,
        ratio_comparison_frame,
        render_markdown,
        side_frame,
        significant_slowdowns,
    )
    from wasmbench.reports.compare_cost import render_costs
    from wasmbench.reports.inputs import load_documents
    from wasmbench.reports.statistics import SignificanceTest

    if not 0 < args.alpha < 1:
        raise WasmbenchError("--alpha must be between 0 and 1")
    prices = read_prices(args.prices) if args.prices else {}
    sides, hosts = [], set()
    for name, path in (("A", args.a), ("B", args.b)):
        documents, _ = load_documents([path], strict=True)  # a damaged side is no comparison
        if not documents:
            raise WasmbenchError(f"{name} ({path}) has no readable result file")
        sides.append(side_frame(documents, name))
        hosts |= {document.machine_info["label"] for document in documents}
    if args.prices:
        warn_unmatched(prices, hosts, args.prices)
    (runs_a, host_a), (runs_b, host_b) = sides
    test = SignificanceTest(args.test)
    comparison = comparison_frame(runs_a, runs_b, args.alpha, test)
    ratios = ratio_comparison_frame(runs_a, runs_b, args.alpha, test)
    print(render_markdown(comparison, host_a, host_b, args.alpha, test, ratios))
    if costs := render_costs(comparison, runs_a, runs_b, prices):
        print(f"\n{costs}")
    if args.fail_above is None:
        return 0
    slowdowns = significant_slowdowns(comparison, args.fail_above)
    for _, pair in slowdowns.iterrows():
        change, name = pair["ratio"] - 1, f"{pair['workload']}/{pair['size']} {pair['row']}"
        limit = f"above --fail-above {args.fail_above:g}%"
        print(f"SLOWER {name}: {change:+.1%} (p = {pair['p_value']:.2g}), {limit}")
    return EXIT_SLOWER if len(slowdowns) else 0
