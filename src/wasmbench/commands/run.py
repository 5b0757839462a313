"""``wasmbench run``: build, measure the suite with wasmbench's own loop, then print the tables.

Every measurement is journalled as it finishes (``results/<name>.jsonl``); the result file
(``results/<name>.json``, pytest-benchmark's JSON format) is written once at the end, atomically.
After Ctrl-C, a crash or a power loss, ``wasmbench run --resume`` continues the newest unfinished
suite. pytest is not involved: no pytest option, plugin or environment variable changes what a
suite measures.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pytest_benchmark.utils import get_commit_info

from wasmbench.errors import WasmbenchError
from wasmbench.measuring.estimate import LONG_SUITE_S, describe_duration, estimated_seconds
from wasmbench.measuring.options import add_suite_options, suite_options
from wasmbench.measuring.suite import Suite
from wasmbench.store.journal import Journal
from wasmbench.store.paths import (
    check_output_path,
    default_result_path,
    journal_path_for,
    latest_journal,
    result_path_for,
)
from wasmbench.store.results import result_document, write_document
from wasmbench.store.schema import RUN, Pair, ResultDocument, Status

# With --strict only: a run that failed (wrong output, crash, timeout) is a result of the suite,
# measured and reported, not a failure of the harness; a regression gate can ask to fail on it.
EXIT_FAILED_RUNS = 1
EXIT_HARNESS_ERROR = 1
EXIT_INTERRUPTED = 130
# The tables printed at the end of a suite; ``wasmbench report`` writes them all.
RUN_TABLES = ("Time", "Ratio to native", "Speed-up", "Start-up", "Prepare")


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("run", help="measure workloads x runtimes and write a result file")
    add_suite_options(parser.add_argument)
    parser.add_argument(
        "-o", "--output", type=Path, help="result file (default results/<host>-<time>-<pid>.json)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the newest (or --output) unfinished suite"
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="with --resume: first remove the journal's damaged lines (the damaged file is kept beside it)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="start a suite estimated to take more than a day without asking",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any run failed (wrong output, crash, timeout), e.g. for a CI gate; "
        "without it a suite that completed exits 0 and names what failed",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.resume and (args.runtime or args.workload or args.size or args.emulate):
        raise WasmbenchError(
            "--resume continues the suite as it was planned; leave out -r, -w, --size and --emulate"
        )
    if args.repair and not args.resume:
        raise WasmbenchError(
            "--repair goes with --resume: it removes the damaged lines of the journal it continues"
        )
    suite = resume_suite(args.output, args.repair) if args.resume else _create(args)
    journal = suite.journal
    if journal.repaired:
        print(journal.repaired)
    print_skipped(suite)
    options = suite.options
    print(
        f"{len(journal.pending())} of {len(journal.plan)} pairs to measure, {options.describe_runs()} "
        f"(+{options.warmup} warmup), {options.schedule} schedule, seed {options.seed}; "
        f"journal: {journal.path}"
    )
    _announce_duration(suite, args.yes)
    if (status := measure(suite, suite.engine)) is not None:
        return status
    return _finish(journal, args.strict)


class Loop(Protocol):
    """A measuring loop (``Engine``, ``serving.invoke.Invoker``): it runs, and names the pair it
    is measuring (``current``) for a harness error's message."""

    current: Pair | None

    def run(self) -> None: ...


def print_skipped(suite: Suite) -> None:
    for skipped in suite.skipped:
        install = f" (install: {skipped.hint})" if skipped.hint else ""
        print(f"skipped {skipped.runtime}:{skipped.mode}: {skipped.reason}{install}")


def measure(suite: Suite, loop: Callable[[], Loop], command: str = RUN) -> int | None:
    """Build, then measure with the ``loop()`` made for ``suite`` until it ends or Ctrl-C stops it
    (``command``: the one whose ``--resume`` continues it). Returns the exit status when there is
    no result to write (a harness error, the journal kept; nothing measured), else None."""
    journal = suite.journal
    measuring = None
    try:
        suite.build()
        measuring = loop()
        measuring.run()
    except KeyboardInterrupt:
        pass  # the journal holds every finished measurement; the partial result is written next
    except WasmbenchError:
        journal.discard_if_empty()
        raise
    except Exception as error:  # a bug of the harness, not a failed run: keep the journal, say where
        return harness_error(error, journal, measuring.current if measuring else None, command)
    finally:
        suite.close()
    if journal.discard_if_empty():  # never measured: nothing for --resume to pick up
        print("interrupted before the first measurement: nothing to keep")
        return EXIT_INTERRUPTED
    return None


def _finish(journal: Journal, strict: bool) -> int:
    """Write the result file (also for an interrupted suite), print the tables, choose the status."""
    output = result_path_for(journal.path)
    document = result_document(journal, get_commit_info())
    write_document(output, document)
    _print_tables(document)
    print(f"charts, HTML, CSV and more tables: wasmbench report {output}")
    if journal.pending():
        print(f"interrupted with {len(journal.pending())} pairs left; continue with: wasmbench run --resume")
        return EXIT_INTERRUPTED
    journal.delete()  # complete: the result file holds every run
    print(f"results: {output}")
    if failures := failed_runs(document):
        print(f"failed runs: {failures} (measured and reported; --strict makes them exit status 1)")
    return EXIT_FAILED_RUNS if strict and failures else 0


def failed_runs(document: ResultDocument) -> str:
    """The runs that failed, on one line: ``runtime:mode workload/size status × count`` each
    (empty: none)."""
    return "; ".join(
        f"{pair.pair.runtime}:{pair.pair.mode} {pair.pair.group} {status} × {count}"
        for pair in document.pairs
        for status, count in pair.status_counts().items()
        if status != Status.OK
    )


def _announce_duration(suite: Suite, yes: bool) -> None:
    """Print the suite's estimated duration; above a day, start only with --yes or a yes typed at
    the terminal (never in a session without one): else close the suite, never measured."""
    seconds = estimated_seconds(suite.journal, suite.manifest, suite.options)
    duration = describe_duration(seconds)
    print(f"estimated duration: at least {duration} (at the manifest's native run times; others are slower)")
    if seconds <= LONG_SUITE_S or yes:
        return
    question = f"this suite would take more than a day (at least {duration}): start it? [y/N] "
    if sys.stdin.isatty() and input(question).strip().lower() in ("y", "yes"):
        return
    suite.close()
    suite.journal.discard_if_empty()
    raise WasmbenchError(
        f"not started: the suite would take at least {duration}; pass --yes to start it, or measure "
        "less (fewer --runs, sizes, workloads or runtimes)"
    )


def harness_error(error: Exception, journal: Journal, pair: object, command: str = RUN) -> int:
    """One line naming the pair and where the traceback went; the journal is kept for --resume
    (of ``command``: ``run`` or ``invoke``)."""
    saved = journal.path.with_suffix(".traceback.txt")
    saved.write_text("".join(traceback.format_exception(error)))
    where = f" while measuring {pair.key}" if pair is not None else ""  # type: ignore[attr-defined]
    print(
        f"wasmbench: harness error{where}: {type(error).__name__}: {error} (traceback: {saved}; "
        f"the journal is kept: wasmbench {command} --resume continues)",
        file=sys.stderr,
    )
    return EXIT_HARNESS_ERROR


def _create(args: argparse.Namespace) -> Suite:
    output = args.output or default_result_path()
    check_output_path(output, "--output")
    if output.exists():
        raise WasmbenchError(f"{output} exists already; choose another --output")
    return Suite.create(suite_options(vars(args)), journal_path_for(output))


def _print_tables(document: ResultDocument) -> None:
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


def resume_suite(output: Path | None, repair: bool, benchmark: str = RUN) -> Suite:
    """The suite of ``output``, or else the newest journal of ``benchmark`` (``run`` or
    ``invoke``) under results/ that holds measurements; ``repair``: its damaged lines removed first."""
    if output is not None:
        journal = journal_path_for(output)
        if not journal.exists():
            raise WasmbenchError(f"there is no unfinished suite to resume at {journal}")
    else:
        journal = latest_journal(benchmark=benchmark)
        if journal is None:
            raise WasmbenchError(
                "there is no unfinished suite to resume (no journal with measurements under results/)"
            )
        print(f"resuming the newest unfinished suite: {journal}")
    if repair and (repaired := Journal.repair(journal)):
        print(repaired)
    return Suite.resume(journal, benchmark)
