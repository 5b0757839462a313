"""``wasmbench setup``: ``setup runtimes [NAME...]`` installs every runtime this host can have (a
Docker engine, Node.js and the command-line wasm runtimes at pinned, verified versions);
``setup NAME`` is ``setup runtimes NAME``; ``setup emulation`` installs what ``--emulate`` needs
(QEMU, the foreign glibc and each runtime's foreign build)."""

from __future__ import annotations

import argparse
import sys

from wasmbench.provision.catalog import MIRROR_VARIABLE, check_mirror_url, default_mirror
from wasmbench.provision.download import DownloadError, reach
from wasmbench.provision.runtimes import installable, setup_runtimes
from wasmbench.runtimes.emulation import EMULATORS, Emulation
from wasmbench.runtimes.runner import discover_runners

RUNTIMES = "runtimes"
EMULATION = "emulation"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "setup",
        help="`setup runtimes [NAME...]`: install every runtime this host can have (`setup docker`: "
        "only that one); `setup emulation` for run --emulate aarch64",
    )
    parser.add_argument("what", choices=[RUNTIMES, EMULATION, *installable()], metavar="WHAT")
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
    names = args.names if args.what == RUNTIMES else [args.what, *args.names]
    if args.mirror:  # named by the user: not answering is a failure, unlike the official servers offline
        check_mirror_url(args.mirror)
        try:
            reach(args.mirror)
        except DownloadError as error:
            print(f"wasmbench: the mirror does not answer: {error}", file=sys.stderr)
            return 1
    failed = 0
    for outcome in setup_runtimes(names, args.mirror, args.system_only):
        print(outcome.line(), flush=True)
        failed += outcome.status == "failed"
    return 1 if failed else 0


def _setup_emulation(emulation: Emulation) -> int:
    print(f"emulation: {emulation.setup()}")
    unavailable = 0
    for runner in discover_runners().values():
        emulated = runner.emulated(emulation)
        done = runner.setup_emulation(emulation)
        if done:
            print(f"{runner.name}: {done}")
        for mode in runner.modes:
            availability = emulated.suite_availability(mode)
            state = "available" if availability.available else f"skipped: {availability.reason}"
            unavailable += mode in runner.emulated_modes and not availability.available
            print(f"  {runner.name}:{mode} under --emulate {emulation.arch}: {state}")
    return 1 if unavailable else 0
