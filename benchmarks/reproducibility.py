"""Do the ratio-to-native cells reproduce on a noisy machine? The same suite, quiet and under load.

Runs one suite (native, native:host, wasmtime:aot, wasmtime:jit and node:optimizing on
fannkuch-redux, mandelbrot and n-body at ``default`` size) twice: on a quiet machine, and while a
background load burns one core in on/off periods of random length (1–10 s), started and stopped
here. Prints every ratio-to-native cell of both suites and their difference; the goal is every cell
within 5 % of the quiet run. It does the same with ``--schedule consecutive``, to show what the
interleaved schedule buys. Run it with ``nox -s reproducibility`` (a benchmark: it measures).
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
from pathlib import Path

import pandas as pd

from wasmbench.reports.frame import runs_frame
from wasmbench.reports.markdown import table_lines
from wasmbench.reports.summary import cell_summaries, runtime_ratios
from wasmbench.store.results import load_document

MODES = ["native:default", "native:host", "wasmtime:aot", "wasmtime:jit", "node:optimizing"]
WORKLOADS = ["fannkuchredux", "mandelbrot", "nbody"]
GOAL = 0.05
SCHEDULES = ("interleaved", "consecutive")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="default")
    parser.add_argument("--runs", type=int, default=5, help="rounds per suite")
    parser.add_argument("--seed", type=int, default=1, help="of the suites' order and of the load's periods")
    parser.add_argument("--schedule", action="append", choices=SCHEDULES, help="default: both")
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
        quiet = _suite(args, schedule, folder / f"{schedule}-quiet.json")
        with background_load(random.Random(args.seed)):
            noisy = _suite(args, schedule, folder / f"{schedule}-noisy.json")
        verdicts[schedule] = _compare(schedule, quiet, noisy)
    print(f"result files: {folder} (wasmbench report {folder} shows them; compare A B judges two)")
    return 0 if verdicts.get("interleaved", True) else 1


def _suite(args: argparse.Namespace, schedule: str, output: Path) -> pd.DataFrame:
    """One suite through the real command line; its ratio-to-native cells."""
    command = [sys.executable, "-m", "wasmbench", "run", *(f"-r{mode}" for mode in MODES)]
    command += [*(f"-w{workload}" for workload in WORKLOADS), "--size", args.size, "--runs", str(args.runs)]
    command += ["--seed", str(args.seed), "--schedule", schedule, "-o", str(output)]
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"{output.stem}: {time.monotonic() - started:.0f} s", flush=True)
    cells = runtime_ratios(cell_summaries(runs_frame([load_document(output)])))
    return cells.set_index(["workload", "row"])["ratio"]


def _compare(schedule: str, quiet: pd.Series, noisy: pd.Series) -> bool:
    table = pd.DataFrame({"quiet": quiet, "noisy": noisy}).dropna()
    table["difference"] = table["noisy"] / table["quiet"] - 1
    worst = table["difference"].abs().max()
    within = bool(worst <= GOAL)
    print(f"\n{schedule} schedule: ratio to native, quiet and under a background load")
    rows = [
        [workload, row, f"{cell.quiet:.3f}", f"{cell.noisy:.3f}", f"{cell.difference:+.1%}"]
        for (workload, row), cell in table.iterrows()
    ]
    print("\n".join(table_lines(["workload", "runtime", "quiet", "noisy", "difference"], rows, labels=2)))
    print(
        f"largest difference {worst:.1%} over {len(table)} cells; goal: every cell within {GOAL:.0%}: "
        f"{'met' if within else 'MISSED'}\n",
        flush=True,
    )
    return within


@contextmanager
def background_load(rng: random.Random) -> Iterator[None]:
    """A child that burns one core in on/off periods of random length (1–10 s), for as long as the
    ``with`` block lasts; it is stopped on the way out, whatever happens."""
    burner = multiprocessing.Process(target=_burn, args=(rng.randrange(2**32),), daemon=True)
    burner.start()
    try:
        yield
    finally:
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
