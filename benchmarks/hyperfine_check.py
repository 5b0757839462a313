"""Is wasmbench's native wall time honest, in both directions? Compare it with ``hyperfine -N``.

Both tools time the same native binary at ``default`` size with the same, empty environment
(wasmbench without layout padding; hyperfine started under ``env -i``), alternating in one session
in a shuffled order per round, so drift of the machine hits both alike. Each round gives one ratio,
wasmbench's mean ÷ hyperfine's mean; the goal is a geometric mean of those within 0.98–1.02: a
harness that reads 2 % fast is as wrong as one that reads 2 % slow.
Run it with ``nox -s bench`` (a benchmark, not a test: it measures, it does not assert behaviour).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from wasmbench.build.manifest import load_manifest
from wasmbench.build.toolchain import Toolchain
from wasmbench.measuring.stats import paired_ratio_interval

GOAL = (0.98, 1.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workload", action="append", default=[], help="mandelbrot and fannkuchredux")
    parser.add_argument("--size", default="default")
    parser.add_argument("--runs", type=int, default=5, help="runs of each tool per round")
    # 8: the interval stays narrower than the goal even when a neighbour disturbs one round
    parser.add_argument("--rounds", type=int, default=8, help="alternations of the two tools")
    args = parser.parse_args()
    verdicts = [_check(name, args) for name in args.workload or ["mandelbrot", "fannkuchredux"]]
    return 0 if all(verdicts) else 1


def _check(name: str, args: argparse.Namespace) -> bool:
    workload = load_manifest()[name]
    binary = Toolchain().build(workload, "native").path
    arguments = list(workload.size(args.size).args)
    rng = random.Random(1)
    ratios = []
    with tempfile.TemporaryDirectory() as scratch:
        for number in range(args.rounds):
            order = ["hyperfine", "wasmbench"]
            rng.shuffle(order)
            means = {}
            for tool in order:
                output = Path(scratch) / f"{tool}{number}.json"
                if tool == "hyperfine":
                    means[tool] = _hyperfine(binary, arguments, args.runs, output)
                else:
                    means[tool] = _wasmbench(name, args, output)
            ratios.append(means["wasmbench"] / means["hyperfine"])
            print(
                f"{name} round {number + 1} ({' then '.join(order)}): hyperfine {means['hyperfine']:.4f} s, "
                f"wasmbench {means['wasmbench']:.4f} s, ratio {ratios[-1]:.4f}",
                flush=True,
            )
    interval = paired_ratio_interval(ratios)
    centre, low, high = interval.estimate, interval.low, interval.high
    within = GOAL[0] <= centre <= GOAL[1]
    print(
        f"{name} {' '.join(arguments)}: wasmbench ÷ hyperfine -N = {centre:.4f} "
        f"(95 % CI {low:.4f}–{high:.4f}, {len(ratios)} rounds of {args.runs} runs each); "
        f"goal {GOAL[0]}–{GOAL[1]}: {'met' if within else 'MISSED'}",
        flush=True,
    )
    return within


def _hyperfine(binary: Path, arguments: list[str], runs: int, export: Path) -> float:
    command = " ".join([str(binary), *arguments])
    subprocess.run(
        [
            *("env", "-i", "hyperfine", "-N", "--warmup", "1", "--runs", str(runs)),
            *("--style", "none", "--export-json", str(export), command),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(export.read_text())["results"][0]["mean"]


def _wasmbench(name: str, args: argparse.Namespace, output: Path) -> float:
    subprocess.run(
        [
            *(sys.executable, "-m", "wasmbench", "run", "-r", "native:default", "-w", name),
            *("--size", args.size, "--runs", str(args.runs), "--warmup", "1", "--no-layout-randomization"),
            *("-o", str(output)),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    [entry] = json.loads(output.read_text())["benchmarks"]
    return entry["stats"]["mean"]


if __name__ == "__main__":
    sys.exit(main())
