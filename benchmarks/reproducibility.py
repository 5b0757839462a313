"""Do the ratio-to-native cells reproduce on a noisy machine? The same suite quiet and under two loads.

Runs one suite (native, native:host, wasmtime:aot, wasmtime:jit and node:optimizing on
fannkuch-redux, mandelbrot and n-body at ``default`` size) three times: on a quiet machine; while a
background load burns one core in on/off periods of random length (1–10 s); and while two such
loads, independent of each other, do (at times both cores are taken: the neighbour a cloud VM may
have). The loads are started and stopped here. For each schedule it prints every ratio-to-native
cell under every condition, by both estimators (the report's paired ratio over undisturbed rounds,
and the low-quantile ratio the JSON summary keeps), and judges the goals: under the two-core load
every cell within 3 % of the quiet run with the quiet value inside the loaded cell's interval, under
the one-core load within 2 %, and each loaded suite at most 50 % longer than the quiet one. It does
the same with ``--schedule consecutive``, to show what the interleaved schedule buys. Run it with
``nox -s reproducibility`` (a benchmark: it measures, so only on a machine nothing else uses).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wasmbench.reports.frame import runs_frame
from wasmbench.reports.markdown import table_lines
from wasmbench.reports.summary import cell_summaries, runtime_ratios
from wasmbench.store.results import load_document

MODES = ["native:default", "native:host", "wasmtime:aot", "wasmtime:jit", "node:optimizing"]
WORKLOADS = ["fannkuchredux", "mandelbrot", "nbody"]
SCHEDULES = ("interleaved", "consecutive")
QUIET = "quiet"
# Condition -> background loads (each an independent on/off burner of one core).
CONDITIONS = {QUIET: 0, "one-core": 1, "two-core": 2}
# The goals: largest difference to the quiet cell per loaded condition; the longest a loaded suite
# may take against the quiet one.
GOALS = {"one-core": 0.02, "two-core": 0.03}
LONGEST_UNDER_LOAD = 1.5
# The estimators compared: the report's ratio (paired, over undisturbed rounds) and the other one.
ESTIMATORS = {"paired": "ratio", "low quantile": "ratio_low_quantile"}


@dataclass(frozen=True)
class Suite:
    cells: pd.DataFrame  # ratio cells by (workload, row): both estimators and the paired interval
    seconds: float


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="default")
    parser.add_argument("--runs", default="8", help="rounds per suite, or auto (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="of the suites' order and of the loads' periods")
    parser.add_argument("--schedule", action="append", choices=SCHEDULES, help="default: both")
    parser.add_argument("-w", "--workload", action="append", choices=WORKLOADS, help="default: all three")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="folder for the suites' result files (default results/reproducibility-<time>)",
    )
    args = parser.parse_args()
    folder = args.output or Path("results") / f"reproducibility-{time.strftime('%Y%m%dT%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    verdicts = {}
    for schedule in args.schedule or SCHEDULES:
        suites = {}
        for condition, loads in CONDITIONS.items():
            with background_load(random.Random(f"{args.seed}:{condition}"), loads):
                suites[condition] = _suite(args, schedule, folder / f"{schedule}-{condition}.json")
        verdicts[schedule] = _compare(schedule, suites)
    print(f"result files: {folder} (wasmbench report {folder} shows them; compare A B judges two)")
    return 0 if verdicts.get("interleaved", True) else 1


def _suite(args: argparse.Namespace, schedule: str, output: Path) -> Suite:
    """One suite through the real command line; its ratio-to-native cells and how long it took."""
    command = [sys.executable, "-m", "wasmbench", "run", *(f"-r{mode}" for mode in MODES)]
    command += [*(f"-w{workload}" for workload in args.workload or WORKLOADS), "--size", args.size]
    command += ["--runs", args.runs, "--seed", str(args.seed), "--schedule", schedule, "-o", str(output)]
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    print(f"{output.stem}: {seconds:.0f} s", flush=True)
    cells = runtime_ratios(cell_summaries(runs_frame([load_document(output)])))
    columns = [*ESTIMATORS.values(), "ratio_low", "ratio_high", "disturbed", "repeats", "disturbed_in_ratio"]
    return Suite(cells.set_index(["workload", "row"])[columns], seconds)


def _compare(schedule: str, suites: dict[str, Suite]) -> bool:
    """Print every cell under every condition by both estimators; whether the report's estimator met
    every goal."""
    met = {}
    for name, column in ESTIMATORS.items():
        print(f"\n{schedule} schedule, {name} ratio to native: quiet and under each load")
        table = pd.DataFrame({condition: suite.cells[column] for condition, suite in suites.items()})
        header, rows = ["workload", "runtime", QUIET], []
        for condition in GOALS:
            header += [condition, "difference"]
        for (workload, row), cell in table.iterrows():
            line = [workload, row, f"{cell[QUIET]:.3f}"]
            for condition in GOALS:
                line += [f"{cell[condition]:.3f}", f"{cell[condition] / cell[QUIET] - 1:+.1%}"]
            rows.append(line)
        print("\n".join(table_lines(header, rows, labels=2)))
        verdicts = [
            _goal(condition, table[QUIET], table[condition], suites[condition], column == "ratio")
            for condition in GOALS
        ]
        met[name] = all(verdicts)
    print("\ndisturbed runs, rounds measured again, disturbed rounds left in the ratios (over the cells):")
    for condition, suite in suites.items():
        counts = suite.cells[["disturbed", "repeats", "disturbed_in_ratio"]].sum().astype(int)
        print(f"  {condition}: {counts['disturbed']}, {counts['repeats']}, {counts['disturbed_in_ratio']}")
    all_met = met["paired"] and _time_goal(suites)
    print(f"{schedule}: goals {'met' if all_met else 'MISSED'} by the report's estimator\n")
    return all_met


def _goal(condition: str, quiet: pd.Series, loaded: pd.Series, suite: Suite, has_interval: bool) -> bool:
    """Every loaded cell within the condition's goal of the quiet one; under the two-core load, for
    the estimator with an interval, the quiet value also inside the loaded cell's."""
    worst = (loaded / quiet - 1).abs().max()
    verdict = f"  {condition}: largest difference {worst:.1%} (goal {GOALS[condition]:.0%})"
    met = bool(worst <= GOALS[condition])
    if condition == "two-core" and has_interval:
        cells = suite.cells.reindex(quiet.index)
        inside = (cells["ratio_low"] <= quiet) & (quiet <= cells["ratio_high"])
        verdict += f"; quiet inside the loaded interval in {int(inside.sum())} of {len(inside)} cells"
        met = met and bool(inside.all())
    print(f"{verdict}: {'met' if met else 'MISSED'}")
    return met


def _time_goal(suites: dict[str, Suite]) -> bool:
    quiet = suites[QUIET].seconds
    longest = max(suite.seconds for suite in suites.values()) / quiet
    met = longest <= LONGEST_UNDER_LOAD
    print(
        "suite time: "
        + ", ".join(f"{condition} {suite.seconds:.0f} s" for condition, suite in suites.items())
        + f"; longest {longest:.2f}× the quiet (goal ≤ {LONGEST_UNDER_LOAD:.1f}×): "
        + ("met" if met else "MISSED")
    )
    return met


@contextmanager
def background_load(rng: random.Random, loads: int) -> Iterator[None]:
    """``loads`` children, each burning one core in on/off periods of random length (1–10 s) of its
    own, for as long as the ``with`` block lasts; they are stopped on the way out, whatever happens."""
    burners = [
        multiprocessing.Process(target=_burn, args=(rng.randrange(2**32),), daemon=True) for _ in range(loads)
    ]
    for burner in burners:
        burner.start()
    try:
        yield
    finally:
        for burner in burners:
            burner.terminate()
            burner.join()


def _burn(seed: int) -> None:
    rng = random.Random(seed)
    while True:
        busy_until = time.monotonic() + rng.uniform(1, 10)
        while time.monotonic() < busy_until:
            pass
        time.sleep(rng.uniform(1, 10))


if __name__ == "__main__":
    sys.exit(main())
