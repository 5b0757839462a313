"""The regression history of a span of runtime releases, with a planted step it must find.

Measures the releases of ``history_releases.toml`` (about a dozen wasmtime embedded releases and
four Node majors, each installed side by side) beside native in one interleaved suite, then adds a
known step: a copy of one release's results with every time × 1.10, as a fake later version.
``wasmbench history`` writes its report over both; this checks that the planted step was found.
Given the folder of an earlier run (``--previous``), it also checks that the same changes above
5 % were found at the same version boundaries, and writes the history of both runs together (each
version one point of two suites). Run it with ``nox -s history`` (a benchmark: it measures, so
only on a machine nothing else uses).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
import tomllib
from dataclasses import replace
from pathlib import Path

from wasmbench.execution.usage import Usage
from wasmbench.reports.history import split_label
from wasmbench.reports.history_report import NOTABLE
from wasmbench.store.results import load_document
from wasmbench.store.schema import Measurement, Pair, PairResult, ResultDocument

RELEASES = Path(__file__).with_name("history_releases.toml")
# The change points two runs are compared by: series, and between which versions.
BOUNDARY = ("host", "workload", "size", "series", "before", "after")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=Path, default=RELEASES, help="default: %(default)s")
    parser.add_argument("--runs", type=int, help="rounds per version (default: the releases file's)")
    parser.add_argument("-o", "--output", type=Path, help="folder (default results/history-<time>)")
    parser.add_argument(
        "--previous", type=Path, help="an earlier run's folder: are its changes above 5 % found again?"
    )
    args = parser.parse_args()
    plan = tomllib.loads(args.releases.read_text())
    folder = args.output or Path("results") / f"history-{time.strftime('%Y%m%dT%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    # named after the folder: a result's run id is its journal's name, and two runs' must differ for
    # their history together (``--previous``) to hold both
    measured = folder / f"releases-{folder.name.removeprefix('history-')}.json"
    if not measured.exists():  # a rerun of the same folder reports again without measuring again
        _measure(plan, args.runs or plan["suite"]["runs"], measured)
    planted = plan["planted"]
    fake = planted_version(planted["release"], planted["factor"])
    copy = planted_copy(
        load_document(measured), planted["runtime"], planted["release"], fake, planted["factor"]
    )
    (folder / "planted.json").write_text(json.dumps(copy.to_dict(), indent=2))
    subprocess.run(["wasmbench", "history", str(folder), "-o", str(folder / "history")], check=False)
    found = _planted_found(folder, planted["runtime"], fake)
    same = _same_as(folder, args.previous) if args.previous else True
    print(f"history: {folder / 'history'}; the next run compares with this one given --previous {folder}")
    return 0 if found and same else 1


def _measure(plan: dict, runs: int, output: Path) -> None:
    suite = plan["suite"]
    runtimes = ["native:default"] + [
        f"{span['runtime']}@{version}" for span in plan["span"] for version in span["versions"]
    ]
    command = ["wasmbench", "run", "--size", suite["size"], "--runs", str(runs), "--warmup", "0"]
    command += ["--max-repeats", "0", "-o", str(output)]
    command += [arg for runtime in runtimes for arg in ("-r", runtime)]
    command += [arg for workload in suite["workloads"] for arg in ("-w", workload)]
    subprocess.run(command, check=True)


def planted_version(release: str, factor: float) -> str:
    """The fake version of a planted step: a local version of ``release``, right after it."""
    return f"{release}+planted{round((factor - 1) * 100)}"


def planted_copy(
    document: ResultDocument, series: str, release: str, fake: str, factor: float
) -> ResultDocument:
    """A suite of ``series`` at ``fake`` alone beside native: the runs of ``release`` with every
    time × ``factor``, and native's runs as they were (so its ratio to native rises by the factor too)."""
    pairs = []
    for result in document.pairs:
        label, requested = split_label(result.pair.runtime, result.pair.mode)
        if result.pair.is_baseline:
            pairs.append(result)
        elif label == series and requested == release:
            pairs.append(_slowed(result, release, fake, factor))
    if len(pairs) == sum(result.pair.is_baseline for result in document.pairs):
        raise SystemExit(f"{series}@{release} is not in the measured results: nothing to plant a step in")
    return replace(document, run_id=f"{document.run_id}-planted", pairs=pairs, not_measured=[], unfinished=[])


def _slowed(result: PairResult, release: str, fake: str, factor: float) -> PairResult:
    pair = result.pair
    renamed = Pair(
        pair.workload, pair.size, pair.runtime.replace(release, fake), pair.mode.replace(release, fake)
    )
    info = result.info and replace(
        result.info,
        runtime_version={
            key: fake if value == release else value for key, value in result.info.runtime_version.items()
        },
    )
    return PairResult(renamed, info, [_times(run, factor) for run in result.runs], result.stop_reason)


def _times(run: Measurement, factor: float) -> Measurement:
    usage = run.usage
    slower = Usage(
        round(usage.wall_ns * factor), usage.user_s * factor, usage.sys_s * factor, usage.max_rss_kib
    )
    return replace(
        run, usage=slower, phases_ns={phase: round(ns * factor) for phase, ns in run.phases_ns.items()}
    )


def _changes(folder: Path) -> list[dict[str, str]]:
    with (folder / "history" / "changes.csv").open() as changes:
        return list(csv.DictReader(changes))


def _planted_found(folder: Path, series: str, fake: str) -> bool:
    planted = [
        change for change in _changes(folder) if change["series"] == series and change["after"] == fake
    ]
    for change in planted:
        low, high = float(change["ci_low"]), float(change["ci_high"])
        where = f"{change['workload']}/{change['size']} {series} {change['before']} → {fake}"
        print(
            f"planted step found: {where}: {float(change['delta']):+.1%} "
            f"(CI {low:+.1%} … {high:+.1%}, p = {float(change['p_value']):.2g})"
        )
    workloads = len({change["workload"] for change in planted})
    print(f"planted step found in {workloads} workload(s)" if planted else f"planted step ({fake}) NOT found")
    return bool(planted)


def _same_as(folder: Path, previous: Path) -> bool:
    """Whether this run and ``previous`` found the same changes above 5 % (by version boundary,
    the planted step's among them); then the history of both runs together, where each version
    is one point of two suites."""
    boundaries = [
        {
            tuple(change[key] for key in BOUNDARY)
            for change in _changes(run)
            if abs(float(change["delta"])) > NOTABLE
        }
        for run in (previous, folder)
    ]
    before, now = boundaries
    for boundary in sorted(before ^ now):
        where = f"only in {previous}" if boundary in before else "only in this run"
        print(f"{where}: {' '.join(boundary)}")
    counts = f"{len(now)} in this run, {len(before)} in {previous}, {len(before & now)} in both"
    print(f"changes above {NOTABLE:.0%}: {counts}")
    both = folder / "history-with-previous"
    subprocess.run(["wasmbench", "history", str(previous), str(folder), "-o", str(both)], check=False)
    return before == now


if __name__ == "__main__":
    sys.exit(main())
