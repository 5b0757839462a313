"""``wasmbench build``: compile the workloads for the chosen targets, and make their input files (cached)."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from wasmbench.build.inputs import InputStore
from wasmbench.build.manifest import MANIFEST_FILE, load_manifest, select_workloads, workloads_dir
from wasmbench.build.toolchain import TARGET_FLAGS, Toolchain, resolve_target, unbuildable


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "build", help="compile workloads natively, to wasm32-wasi (with and without SIMD) and cross targets"
    )
    parser.add_argument("-w", "--workload", action="append", help="workload (repeatable; default all)")
    parser.add_argument(
        "-t",
        "--target",
        action="append",
        help=f"native, wasm, wasm-simd, x86_64, aarch64 or all (repeatable; default native and both "
        "wasm builds). "
        f"Targets: {', '.join(TARGET_FLAGS)}",
    )
    parser.add_argument("--opt", default="O2", help="optimisation level for every target (default O2)")
    parser.add_argument("--workloads", metavar="DIR", help="a suite folder of your own (its manifest.toml)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    toolchain = Toolchain(args.opt)
    workloads = select_workloads(load_manifest(workloads_dir(args.workloads) / MANIFEST_FILE), args.workload)
    names = args.target or ["native", "wasm", "wasm-simd"]
    targets = list(dict.fromkeys(t for name in names for t in (TARGET_FLAGS if name == "all" else [name])))
    targets = [resolve_target(target) for target in targets]
    jobs = []
    for workload, target in ((workload, target) for target in targets for workload in workloads):
        if reason := unbuildable(workload, target):  # a prebuilt module has no program for it
            print(f"  skipped {workload.name:<14} {target:<16} {reason}")
        else:
            jobs.append((workload, target))
    print(
        f"compiler: {toolchain.compiler.clang_version} (zig {toolchain.compiler.zig_version}); "
        f"flags: {' '.join(toolchain.flags)}"
    )
    artefacts = []
    for workload, target in tqdm(jobs, desc="build", unit="artefact", file=sys.stderr):
        artefacts.append(toolchain.build(workload, target))
    for artefact in artefacts:
        state = "cached" if artefact.cached else "built "
        digest = artefact.sha256[:12]
        print(f"  {state} {artefact.workload:<14} {artefact.target:<16} {digest} {artefact.path}")
    built = sum(not artefact.cached for artefact in artefacts)
    print(f"{built} compiled, {len(artefacts) - built} from cache")
    store = InputStore()
    for workload in workloads:
        if workload.inputs is not None:
            for size in workload.sizes:
                print(f"  inputs {workload.name}/{size}: {store.inputs(workload, size).folder}")
    return 0
