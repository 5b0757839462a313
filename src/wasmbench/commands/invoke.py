"""``wasmbench invoke``: the functions served cold and warm — cold starts, warm latency under a load
generator, throughput and memory per instance — journalled like ``run`` and written to a result
file that ``wasmbench report`` shows as its Invocations section.

It takes ``run``'s selection options, journal, ``--resume`` and lock (``measuring.suite.Suite``);
the measuring loop is ``serving.invoke.Invoker``.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from pytest_benchmark.utils import get_commit_info

from wasmbench.commands.run import EXIT_INTERRUPTED, measure, print_skipped, resume_suite
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.suite import Suite
from wasmbench.serving.invoke import Invoker
from wasmbench.serving.invoke_options import InvokeSettings, add_invoke_options, invoke_options
from wasmbench.store.journal import Journal
from wasmbench.store.paths import check_output_path, default_result_path, journal_path_for, result_path_for
from wasmbench.store.results import result_document, write_document
from wasmbench.store.schema import INVOKE, typed

COMMAND = "invoke"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        COMMAND, help="serve functions cold and warm: cold start, latency under load, throughput, memory"
    )
    add_invoke_options(parser.add_argument)
    parser.add_argument(
        "-o", "--output", type=Path, help="result file (default results/<host>-<time>-<pid>.json)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the newest (or --output) unfinished invoke"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.resume and (args.runtime or args.workload or args.size):
        raise WasmbenchError(
            "--resume continues the benchmark as it was planned; leave out -r, -w and --size"
        )
    suite = resume_suite(args.output, False, INVOKE) if args.resume else _create(args)
    journal = suite.journal
    settings = typed(InvokeSettings, journal.header.settings, "the benchmark's settings")
    print_skipped(suite)
    print(
        f"{len(journal.pending())} of {len(journal.plan)} pairs to serve: {settings.cold} cold starts, "
        f"load at concurrency {', '.join(map(str, settings.concurrency))} ({settings.requests} requests), "
        f"memory of 1 to {settings.density} instances; seed {suite.options.seed}; journal: {journal.path}"
    )
    if (status := measure(suite, lambda: Invoker(suite, settings), COMMAND)) is not None:
        return status
    return _finish(journal)


def _create(args: argparse.Namespace) -> Suite:
    output = args.output or default_result_path()
    check_output_path(output, "--output")
    if output.exists():
        raise WasmbenchError(f"{output} exists already; choose another --output")
    options, settings = invoke_options(vars(args))
    return Suite.create(options, journal_path_for(output), INVOKE, asdict(settings))


def _finish(journal: Journal) -> int:
    """Write the result file (also for an interrupted benchmark) and print its Invocations tables.

    The report modules are imported only now, as ``run`` does: pandas and matplotlib stay out of
    the process while it measures."""
    from wasmbench.reports.invocations import invocation_blocks
    from wasmbench.reports.markdown import render_block

    output = result_path_for(journal.path)
    document = result_document(journal, get_commit_info())
    write_document(output, document)
    for block in invocation_blocks([document]):
        print(render_block(block) + "\n")
    print(f"charts, HTML and more: wasmbench report {output}")
    if journal.pending():
        print(
            f"interrupted with {len(journal.pending())} pairs left; continue with: wasmbench invoke --resume"
        )
        return EXIT_INTERRUPTED
    journal.delete()
    print(f"results: {output}")
    return 0
