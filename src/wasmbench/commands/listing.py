"""``wasmbench list``: the workloads with their sizes, and every runtime mode with its status and
where its runtime comes from (``setup runtimes``, PATH, a Python package, an installer's folder)."""

from __future__ import annotations

import argparse

from wasmbench.build.manifest import load_manifest
from wasmbench.runtimes.runner import discover_runners


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "list", help="workloads and sizes; runtimes, modes, availability, versions"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    print("Workloads (size: arguments)")
    for workload in load_manifest().values():
        sizes = "  ".join(f"{size}: {' '.join(spec.args) or '-'}" for size, spec in workload.sizes.items())
        print(f"  {workload.name:<14} {workload.title:<15} {sizes}")
    print("\nRuntimes (mode, status, selection, origin, versions or why not)")
    for runner in discover_runners().values():
        for mode in runner.modes:
            availability = runner.mode_availability(mode)
            if availability.available:
                detail = ", ".join(f"{name} {version}" for name, version in runner.version().items())
            else:
                hint = f" (install: {availability.hint})" if availability.hint else ""
                detail = f"{availability.reason}{hint}"
            name = f"{runner.name}:{mode}"
            selection = "opt-in" if mode in runner.opt_in_modes else "default"
            origin = runner.origin(mode) or "-"
            print(f"  {name:<24} {availability.status:<10} {selection:<8} {origin:<16} {detail}")
    print(
        "\nA suite runs the available modes marked default; opt-in modes (interpreters) run when named "
        "(-r wasmedge:interpreter) or with --all-modes."
    )
    return 0
