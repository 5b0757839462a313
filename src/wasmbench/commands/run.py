"""``wasmbench run``: build, then measure the suite through pytest-benchmark, then print the table.

Every measurement is journalled as it finishes (``results/<name>.jsonl``); the result file
(``results/<name>.json``) is written at the end. After Ctrl-C, a crash or a power loss,
``wasmbench run --resume`` continues the newest unfinished suite.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest
from pytest_benchmark.utils import get_commit_info

import wasmbench.benchmarks
from wasmbench.errors import WasmbenchError
from wasmbench.journal import Journal
from wasmbench.paths import default_result_path, journal_path_for, latest_journal, result_path_for
from wasmbench.results import load_result, result_document, write_document
from wasmbench.stopping import runs_argument
from wasmbench.suite import Suite, SuiteOptions, runs_options

EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130
PYTEST_INTERRUPTED = 2
# The tables printed at the end of a suite; ``wasmbench report`` writes them all.
RUN_TABLES = ("Time", "Ratio to native", "Speed-up", "Start-up", "Prepare")


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("run", help="measure workloads x runtimes and write a result file")
    add_suite_options(parser)
    parser.add_argument("-o", "--output", type=Path, help="result file (default results/<host>-<time>.json)")
    parser.add_argument(
        "--resume", action="store_true", help="continue the newest (or --output) unfinished suite"
    )
    parser.set_defaults(handler=handle)


def add_suite_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """What a suite measures and how: the options ``run`` and ``fleet run`` share.

    Returns the options' actions, so ``fleet run`` can forward them (``suite_argv``).
    """
    add = parser.add_argument
    return [
        add("-r", "--runtime", action="append", default=[], help="runtime or runtime:mode (repeatable)"),
        add("-w", "--workload", action="append", default=[], help="workload (repeatable; default all)"),
        add("--size", action="append", default=[], help="test, default or large (repeatable)"),
        add(
            "--runs",
            type=runs_argument,
            default=5,
            help="measured runs per pair (default 5), or auto: until the 95%% CI is within --ci-target",
        ),
        add("--max-runs", type=int, default=30, help="with --runs auto: most runs per pair (30)"),
        add(
            "--max-time",
            type=float,
            default=120.0,
            help="with --runs auto: most measured seconds per pair (120)",
        ),
        add(
            "--ci-target",
            type=float,
            default=2.0,
            metavar="PCT",
            help="with --runs auto: 95%% CI half-width to reach, in %% of the mean (2)",
        ),
        add("--warmup", type=int, default=1, help="unmeasured runs before them (default 1)"),
        add("--timeout", type=float, default=300.0, help="seconds before a run is killed (300)"),
        add("--seed", type=int, help="seed of the shuffled run order (default random, recorded)"),
        add("--opt", default="O2", help="optimisation level for every target (default O2)"),
        add(
            "--emulate",
            metavar="ARCH",
            help="run ARCH's builds here under QEMU (aarch64; results labelled emulated): "
            "proves the path, measures nothing about ARM hardware",
        ),
    ]


def suite_argv(actions: list[argparse.Action], args: argparse.Namespace) -> list[str]:
    """The command-line options that reproduce ``args`` for ``actions`` (defaults left out)."""
    argv: list[str] = []
    for action in actions:
        value = getattr(args, action.dest)
        if value == action.default or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            argv += [action.option_strings[-1], str(item)]
    return argv


def handle(args: argparse.Namespace) -> int:
    if args.resume and (args.runtime or args.workload or args.size or args.emulate):
        raise WasmbenchError(
            "--resume continues the suite as it was planned; leave out -r, -w, --size and --emulate"
        )
    suite = _resume(args.output) if args.resume else _create(args)
    journal = suite.journal
    for skipped in suite.skipped:
        print(f"skipped {skipped['runtime']}:{skipped['mode']}: {skipped['reason']}")
    pending = journal.pending()
    print(
        f"{len(pending)} of {len(journal.plan)} pairs to measure, {_runs_description(suite.options)} "
        f"(+{suite.options.warmup} warmup), seed {suite.options.seed}; journal: {journal.path}"
    )
    suite.build()
    output = result_path_for(journal.path)
    started = time.time()
    code = pytest.main(_pytest_args(journal.path, output)) if pending else pytest.ExitCode.OK
    journal = Journal.open(journal.path)
    if not output.exists() or output.stat().st_mtime < started:
        write_document(output, result_document(journal, get_commit_info()))
    document = load_result(output)
    _print_tables(document)
    print(f"charts, HTML, CSV and more tables: wasmbench report {output}")
    if code == PYTEST_INTERRUPTED or journal.pending():
        print(f"interrupted with {len(journal.pending())} pairs left; continue with: wasmbench run --resume")
        return EXIT_INTERRUPTED
    journal.path.unlink()  # complete: the result file holds every run
    print(f"results: {output}")
    return EXIT_FAILED_RUNS if document["wasmbench"]["failed"] or _any_failed_run(document) else 0


def _create(args: argparse.Namespace) -> Suite:
    output = args.output or default_result_path()
    if output.exists():
        raise WasmbenchError(f"{output} exists already; choose another --output")
    return Suite.create(suite_options(args), journal_path_for(output))


def suite_options(args: argparse.Namespace) -> SuiteOptions:
    """The suite the options of ``add_suite_options`` describe."""
    return SuiteOptions(
        workloads=args.workload,
        sizes=args.size or ["default"],
        runtimes=args.runtime,
        **runs_options(args.runs, args.max_runs, args.max_time, args.ci_target),
        warmup=args.warmup,
        timeout_s=args.timeout,
        seed=args.seed,
        opt_level=args.opt,
        emulate=args.emulate,
    )


def _print_tables(document: dict) -> None:
    """The time, ratio, start-up and prepare tables in Markdown, as ``wasmbench report`` writes them.

    The report modules are imported here, after measuring, on purpose: pandas, scipy and
    matplotlib would otherwise sit in the harness process during the runs, making every fork
    slower and, through the inherited memory, inflating the peak RSS the runs report.
    """
    from wasmbench.reports.markdown import render_block
    from wasmbench.reports.outputs import output_lines
    from wasmbench.reports.writer import report_blocks

    for block in report_blocks([document]):
        print(render_block(block, RUN_TABLES) + "\n")
    for line in output_lines([document]):
        print(line)


def _runs_description(options: SuiteOptions) -> str:
    if not options.auto:
        return f"{options.runs} runs each"
    return (
        f"runs until the 95% CI is within ±{options.ci_target:.0%} of the mean "
        f"(at most {options.max_runs} runs or {options.max_time_s:g} s each)"
    )


def _resume(output: Path | None) -> Suite:
    journal = journal_path_for(output) if output else latest_journal()
    if journal is None or not journal.exists():
        raise WasmbenchError("there is no unfinished suite to resume (no journal under results/)")
    return Suite.resume(journal)


def _pytest_args(journal: Path, output: Path) -> list[str]:
    suite_dir = Path(wasmbench.benchmarks.__file__).parent
    return [
        str(suite_dir),
        f"--rootdir={suite_dir}",
        "--override-ini=addopts=",
        # wasmbench prints its own table and failures; pytest's terminal output would repeat them.
        "-p",
        "no:terminal",
        "-p",
        "no:cacheprovider",
        "--capture=no",
        f"--wb-journal={journal}",
        f"--benchmark-json={output}",
    ]


def _any_failed_run(document: dict) -> bool:
    return any(
        count
        for entry in document["benchmarks"]
        for status, count in entry["extra_info"]["status_counts"].items()
        if status != "ok"
    )
