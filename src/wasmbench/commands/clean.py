"""``wasmbench clean``: remove what runtimes keep outside the build cache (e.g. Docker images).

The build cache itself (``~/.cache/wasmbench``) is content-addressed and may be shared, so it
stays; delete it by hand if you want the space back.
"""

from __future__ import annotations

import argparse

from wasmbench.runtimes.registry import create_runners
from wasmbench.runtimes.runner import Cleanable


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("clean", help="remove what runtimes keep, e.g. wasmbench's Docker images")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    for name, runner in create_runners().items():
        modes = runner.declaration.declared_mode_names
        if not isinstance(runner, Cleanable) or not any(
            runner.availability(mode).available for mode in modes
        ):
            continue
        removed = runner.clean()
        print(f"{name}: removed {len(removed)}" + "".join(f"\n  {item}" for item in removed))
    return 0
