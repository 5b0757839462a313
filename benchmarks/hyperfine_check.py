"""Is wasmbench's native wall time honest? Compare it with ``hyperfine -N`` on the same binary.

Both tools time the same native nbody program at ``default`` size, alternating a few times in one
session so machine drift hits both alike. The goal: wasmbench's mean / hyperfine's mean <= 1.02.
Run it with ``nox -s bench`` (it is a benchmark, not a test: it measures, it does not assert behaviour).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from wasmbench.manifest import load_manifest
from wasmbench.toolchain import Toolchain

GOAL = 1.02


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="nbody")
    parser.add_argument("--size", default="default")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two tools")
    args = parser.parse_args()

    workload = load_manifest()[args.workload]
    binary = Toolchain().build(workload, "native").path
    command = " ".join([str(binary), *workload.size(args.size).args])
    hyperfine_means, wasmbench_means = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(args.rounds):
            hyperfine_means.append(_hyperfine(command, args.runs, Path(scratch) / f"h{round_number}.json"))
            wasmbench_means.append(_wasmbench(args, Path(scratch) / f"w{round_number}.json"))
            print(
                f"round {round_number + 1}: hyperfine {hyperfine_means[-1]:.4f} s, "
                f"wasmbench {wasmbench_means[-1]:.4f} s",
                flush=True,
            )
    hyperfine_mean = statistics.mean(hyperfine_means)
    wasmbench_mean = statistics.mean(wasmbench_means)
    ratio = wasmbench_mean / hyperfine_mean
    print(
        f"{command}\n  hyperfine -N mean {hyperfine_mean:.4f} s\n  wasmbench   mean {wasmbench_mean:.4f} s\n"
        f"  ratio {ratio:.4f} (goal <= {GOAL})"
    )
    return 0 if ratio <= GOAL else 1


def _hyperfine(command: str, runs: int, export: Path) -> float:
    subprocess.run(
        [
            "hyperfine",
            "-N",
            "--warmup",
            "1",
            "--runs",
            str(runs),
            "--style",
            "none",
            "--export-json",
            str(export),
            command,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(export.read_text())["results"][0]["mean"]


def _wasmbench(args: argparse.Namespace, output: Path) -> float:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "wasmbench",
            "run",
            "-r",
            "native",
            "-w",
            args.workload,
            "--size",
            args.size,
            "--runs",
            str(args.runs),
            "--warmup",
            "1",
            "-o",
            str(output),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    [entry] = json.loads(output.read_text())["benchmarks"]
    return entry["stats"]["mean"]


if __name__ == "__main__":
    sys.exit(main())
