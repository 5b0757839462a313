"""The ``wasmbench`` command: a thin layer over the library, one module per subcommand.

Every user error (unknown name, missing toolchain, unreadable file) becomes one line on stderr
and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys

from wasmbench import __version__
from wasmbench.commands import (
    build,
    clean,
    compare,
    fleet,
    history,
    invoke,
    listing,
    report,
    run,
    serve,
    setup,
)
from wasmbench.errors import WasmbenchError

COMMANDS = (listing, build, run, serve, invoke, report, compare, history, fleet, setup, clean)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasmbench",
        description="Measure what running a program as WebAssembly or in a container costs against native.",
    )
    parser.add_argument("--version", action="version", version=f"wasmbench {__version__}")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    # A SIGTERM (``timeout``, a CI job cancelled) stops a suite like Ctrl-C: journal kept, runners'
    # resources (e.g. long-lived containers) released, instead of dying without cleaning up.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return args.handler(args)
    except WasmbenchError as error:  # several problems (a manifest's): one line each
        for line in str(error).splitlines():
            print(f"wasmbench: error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("wasmbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
