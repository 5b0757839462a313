"""``wasmbench setup NAME``: install or start what a runtime needs (e.g. a Docker engine), or what
``--emulate`` needs (``setup emulation``: QEMU, the foreign glibc and each runtime's foreign build)."""

from __future__ import annotations

import argparse

from wasmbench.emulation import EMULATORS, Emulation
from wasmbench.runner import discover_runners

EMULATION = "emulation"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "setup",
        help="install or start what a runtime needs, e.g. `setup docker` (a Docker engine); "
        "`setup emulation` for run --emulate aarch64",
    )
    parser.add_argument("runtime", choices=[*sorted(discover_runners()), EMULATION], metavar="RUNTIME")
    parser.add_argument(
        "--arch",
        default="aarch64",
        choices=sorted(EMULATORS),
        help="with emulation: the architecture (aarch64)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.runtime == EMULATION:
        return _setup_emulation(Emulation(args.arch))
    runner = discover_runners()[args.runtime]
    print(f"{runner.name}: {runner.setup()}")
    availability = runner.availability()
    if not availability.available:
        print(f"{runner.name}: still unavailable: {availability.reason}")
        return 1
    return 0


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
