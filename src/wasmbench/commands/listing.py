"""``wasmbench list``: the workloads with their sizes, and every runtime mode with its status, whether
the default selection takes it, and where its runtime comes from (``setup runtimes``, PATH, a Python
package, an installer's folder) — and each other version installed side by side in the cache
(``-r RUNTIME[:MODE]@VERSION``), a row per mode it serves."""

from __future__ import annotations

import argparse

from wasmbench.build.manifest import load_manifest
from wasmbench.provision.catalog import load_catalog
from wasmbench.runtimes.registry import create_runners, representative
from wasmbench.runtimes.runner import Runner
from wasmbench.runtimes.versions import versioned

# The selection column: in the default selection; with ``-r RUNTIME``; only when named.
# Other versions installed side by side: only when named with their version.
DEFAULT, RUNTIME, OPT_IN, NAMED = "default", "runtime", "opt-in", "named"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "list", help="workloads and sizes; runtimes, modes, availability, selection, versions"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    load_catalog()  # a malformed runtime catalog is the one error line, not the end of a half table
    print("Workloads (size: arguments)")
    for workload in load_manifest().values():
        sizes = "  ".join(f"{size}: {' '.join(spec.args) or '-'}" for size, spec in workload.sizes.items())
        print(f"  {workload.name:<14} {workload.title:<15} {sizes}")
    print("\nRuntimes (mode, status, selection, origin, versions or why not)")
    runners = create_runners()
    try:
        for name, runner in runners.items():
            default = representative(runner)
            for mode in runner.declaration.modes:
                selection = DEFAULT if mode.name in default else OPT_IN if mode.opt_in else RUNTIME
                _print_row(runner, f"{name}:{mode.name}", mode.name, selection)
            for version, modes in runner.installed_versions().items():
                at_version = runner.versioned(version)
                for mode_name in modes:
                    _print_row(at_version, f"{name}:{versioned(mode_name, version)}", mode_name, NAMED)
                at_version.close()
    finally:
        for runner in runners.values():
            runner.close()
    print(
        f"\nA suite without -r runs the available modes marked {DEFAULT} (one representative mode per "
        f"runtime); -r RUNTIME runs its modes marked {DEFAULT} or {RUNTIME}; {OPT_IN} modes "
        "(interpreters) run when named (-r wasmedge:interpreter); --all-modes runs every mode. "
        f"Other versions installed side by side ({NAMED}) run when named (-r wasmtime:embedded@40.0.0); "
        "any other version is installed on first use."
    )
    return 0


def _print_row(runner: Runner, row: str, mode: str, selection: str) -> None:
    availability = runner.availability(mode)
    if availability.available:
        detail = ", ".join(f"{part} {version}" for part, version in runner.version().items())
    else:
        hint = f" (install: {availability.hint})" if availability.hint else ""
        detail = f"{availability.reason}{hint}"
    origin = runner.origin(mode) or "-"
    print(f"  {row:<24} {availability.status:<10} {selection:<8} {origin:<16} {detail}")
