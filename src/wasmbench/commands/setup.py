"""``wasmbench setup RUNTIME``: install or start what a runtime needs (e.g. a Docker engine)."""

from __future__ import annotations

import argparse

from wasmbench.runner import discover_runners


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "setup", help="install or start what a runtime needs, e.g. `setup docker` (a Docker engine)"
    )
    parser.add_argument("runtime", choices=sorted(discover_runners()), metavar="RUNTIME")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    runner = discover_runners()[args.runtime]
    print(f"{runner.name}: {runner.setup()}")
    availability = runner.availability()
    if not availability.available:
        print(f"{runner.name}: still unavailable: {availability.reason}")
        return 1
    return 0
