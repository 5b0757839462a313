"""``wasmbench setup``: ``setup runtimes [NAME...]`` installs every runtime this host can have (a
Docker engine, Node.js and the command-line wasm runtimes at pinned, verified versions);
``setup NAME`` is ``setup runtimes NAME``; ``setup emulation`` installs what ``--emulate`` needs
(QEMU, the foreign glibc and each runtime's foreign build); ``setup tools`` the load generators
(hey, wrk) that drive a served function."""

from __future__ import annotations

import argparse
import sys

from wasmbench.provision.catalog import MIRROR_VARIABLE, check_mirror_url, default_mirror
from wasmbench.provision.download import DownloadError, reach
from wasmbench.provision.install import Outcome
from wasmbench.provision.runtimes import setup_runtimes
from wasmbench.provision.tools import setup_tools
from wasmbench.runtimes.emulation import EMULATORS, EmulatedRunner, Emulation
from wasmbench.runtimes.registry import runner_classes, setup_hooks
from wasmbench.runtimes.runner import availability_of

RUNTIMES = "runtimes"
EMULATION = "emulation"
TOOLS = "tools"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "setup",
        help="`setup runtimes [NAME...]`: install every runtime this host can have (`setup docker`: "
        "only that one); `setup emulation` for run --emulate aarch64; `setup tools`: hey and wrk",
    )
    parser.add_argument("what", choices=[RUNTIMES, EMULATION, TOOLS, *setup_hooks()], metavar="WHAT")
    parser.add_argument("names", nargs="*", metavar="NAME", help="with runtimes: only these")
    parser.add_argument(
        "--mirror",
        default=default_mirror(),
        metavar="URL",
        help=f"download from URL/<host>/<path> instead of each official URL (or ${MIRROR_VARIABLE})",
    )
    parser.add_argument(
        "--system-only",
        action="store_true",
        help="with runtimes: only what needs root (Docker; Node.js from the distribution)",
    )
    parser.add_argument(
        "--arch",
        default="aarch64",
        choices=sorted(EMULATORS),
        help="with emulation: the architecture (aarch64)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.what == EMULATION:
        return _setup_emulation(Emulation(args.arch))
    if args.what == TOOLS:
        return _report(setup_tools())
    names = args.names if args.what == RUNTIMES else [args.what, *args.names]
    if args.mirror:  # named by the user: not answering is a failure, unlike the official servers offline
        check_mirror_url(args.mirror)
        try:
            reach(args.mirror)
        except DownloadError as error:
            print(f"wasmbench: the mirror does not answer: {error}", file=sys.stderr)
            return 1
    return _report(setup_runtimes(setup_hooks(), names, args.mirror, args.system_only))


def _report(outcomes: list[Outcome]) -> int:
    """A line per outcome; exit status 1 when one failed."""
    failed = 0
    for outcome in outcomes:
        print(outcome.line(), flush=True)
        failed += outcome.status == "failed"
    return 1 if failed else 0


def _setup_emulation(emulation: Emulation) -> int:
    print(f"emulation: {emulation.setup()}")
    unavailable = 0
    for name, runner_class in runner_classes().items():
        foreign = runner_class.declaration.foreign
        if foreign is not None:
            print(f"{name}: {foreign.setup(emulation)}")
        runner = EmulatedRunner.of(runner_class, emulation)
        for mode in runner.declaration.modes:
            availability = availability_of(runner, mode.name)
            state = "available" if availability.available else f"skipped: {availability.reason}"
            unavailable += mode.emulable and not availability.available
            print(f"  {name}:{mode.name} under --emulate {emulation.arch}: {state}")
        runner.close()
    return 1 if unavailable else 0
