"""``wasmbench list``: the workloads with their sizes, and every runtime mode with its status, whether
the default selection takes it, and where its runtime comes from (``setup runtimes``, PATH, a Python
package, an installer's folder) — and each other version installed side by side in the cache
(``-r RUNTIME[:MODE]@VERSION``), a row per mode it serves."""

from __future__ import annotations

import argparse

from wasmbench.build.manifest import DIGEST_CHECK, MANIFEST_FILE, Workload, load_manifest, workloads_dir
from wasmbench.provision.catalog import load_catalog
from wasmbench.runtimes.registry import create_runners, representative
from wasmbench.runtimes.runner import SIMD_SUFFIX, Runner, availability_of
from wasmbench.runtimes.versions import versioned

# The selection column: in the default selection; with ``-r RUNTIME``; only when named.
# Other versions installed side by side: only when named with their version.
DEFAULT, RUNTIME, OPT_IN, NAMED = "default", "runtime", "opt-in", "named"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "list", help="workloads and sizes; runtimes, modes, availability, selection, versions"
    )
    parser.add_argument(
        "--workloads",
        metavar="DIR",
        help="list the workloads of this suite folder (its manifest.toml) and nothing else; "
        "a manifest in error: one line per problem",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if not args.workloads:  # a malformed runtime catalog is the one error line, not the end of a half table
        load_catalog()
    folder = workloads_dir(args.workloads)
    workloads = load_manifest(folder / MANIFEST_FILE)
    print(f"Workloads in {folder} (built from; size: arguments, and the check when not a sha256)")
    for workload in workloads.values():
        print(f"  {workload.name:<14} {workload.title:<15} {_program(workload)}")
        print(f"  {'':<30} {'  '.join(_size(workload, size) for size in workload.sizes)}")
    if args.workloads:
        return 0
    print("\nRuntimes (mode, status, selection, origin, versions or why not)")
    runners = create_runners()
    try:
        for name, runner in runners.items():
            default, regular = representative(runner), runner.declaration.regular_modes()
            for mode in runner.declaration.modes:
                named_only = mode.opt_in or mode.name not in regular
                selection = DEFAULT if mode.name in default else OPT_IN if named_only else RUNTIME
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
        "(interpreters, the other wasm build) run when named (-r wasmedge:interpreter, -r wasmtime:aot); "
        f"--all-modes runs every mode. MODE{SIMD_SUFFIX}: the wasm build with 128-bit SIMD. "
        f"Other versions installed side by side ({NAMED}) run when named (-r wasmtime:embedded@40.0.0); "
        "any other version is installed on first use."
    )
    return 0


def _program(workload: Workload) -> str:
    """What the workload is built from: its C files (relative to its folder), or its prebuilt programs."""
    if not workload.sources:
        return ", ".join(f"{kind}: {path.name}" for kind, path in workload.prebuilt.items())
    names = [
        str(source.relative_to(workload.folder)) if workload.folder else source.name
        for source in workload.sources
    ]
    return " ".join(names)


def _size(workload: Workload, size: str) -> str:
    """``size: arguments``, and how its output is checked unless by the manifest's digest."""
    spec = workload.size(size)
    reference = workload.reference_mode(size)
    check = (
        f" [output of {reference}]" if reference else f" [{spec.check}]" if spec.check != DIGEST_CHECK else ""
    )
    return f"{size}: {' '.join(spec.args) or '-'}{check}"


def _print_row(runner: Runner, row: str, mode: str, selection: str) -> None:
    availability = availability_of(runner, mode)
    if availability.available:
        detail = ", ".join(f"{part} {version}" for part, version in runner.version().items())
    else:
        hint = f" (install: {availability.hint})" if availability.hint else ""
        detail = f"{availability.reason}{hint}"
    origin = runner.origin(runner.declaration.mode(mode).declared) or "-"
    print(f"  {row:<27} {availability.status:<10} {selection:<8} {origin:<16} {detail}")
