"""Many result documents -> a history per series, ordered by runtime version, and its change points.

A *series* is one (host, workload, size, runtime mode): ``wasmtime:embedded@40.0.0`` and
``wasmtime:embedded@51.0.0`` are two points of the series ``wasmtime:embedded``. Its points are
the runtime versions the results record, ordered as versions (``packaging.version``: 9 before 10),
each pooling every valid run of that version, from however many suites; the suites of one version
are ordered by the time they ran, for the chart only. A version is one point, so no change is ever
found between two suites of the same version.

Finding the steps is ``ruptures``' PELT on the per-version mean log times, with a penalty scaled to
the series' own noise (``NOISE_PENALTY``). Each step it proposes is then tested (``step_test``):
the mean level of the versions after it (up to the next step) against that of the versions before
it, by Student's t with the noise of one version's level estimated over the whole series, so that
a step is judged against how much versions differ anyway (a suite that ran a little fast, a small
real change), not only against the scatter of the runs of one suite; the least significant step
is dropped until every step left is significant at ``alpha``. PELT places the steps, the test
decides whether they are real, as Hunter and Apache Otava pair E-divisive with a t-test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import ruptures
from packaging.version import InvalidVersion, Version
from scipy import stats

from wasmbench.measuring.stats import paired_ratio_interval
from wasmbench.reports.frame import row_label, runs_frame
from wasmbench.reports.statistics import T_QUANTILE, Comparison, Verdict
from wasmbench.reports.summary import BASELINE_ROW, round_ratios
from wasmbench.runtimes.command_runner import VERSION_PATTERN
from wasmbench.store.schema import PairInfo, PairResult, ResultDocument

# The labels of one series (its host shown by name, told apart by key).
SERIES = ["host_key", "workload", "size", "series"]
RATIO_COLUMNS = ["ratio", "ratio_low", "ratio_high"]
# PELT's penalty per step, in units of σ²·ln n (σ: the noise of a version's mean log time), a little
# above the modified BIC's 3 (Zhang & Siegmund 2007): on simulated series of 13 versions (3 runs
# each, 2 % noise, 1 % drift between versions) the steps it proposes and the test confirms come
# to a false one in about 6 % of flat series (3 % without the drift), and a 10 % step planted after
# the last version is found in about 9 of 10.
NOISE_PENALTY = 4.0
# The least noise assumed of a version's mean log time (0.1 %): identical means would otherwise
# make every split free.
NOISE_FLOOR = 1e-3
# Fewer versions leave no spread between versions to judge a step by: two are ``wasmbench compare``'s.
MIN_VERSIONS = 3
# Which recorded component ran a mode, where a runtime records several (wasmtime: its Python
# package for the embedded modes, its CLI for the others): the first of these keys it recorded.
EMBEDDED_COMPONENTS = ("{runtime}", "{runtime}-py", "{runtime}-sdk")
COMMAND_COMPONENTS = ("{runtime}", "{runtime}-cli")


@dataclass(frozen=True)
class Change:
    """A step between two consecutive versions of a series: the runs of the versions after it
    (up to the next step) against those before it (back to the previous one)."""

    before: str
    after: str
    comparison: Comparison

    @property
    def delta(self) -> float:
        """The relative change of the time, e.g. 0.10 for 10 % slower."""
        return self.comparison.ratio - 1


@dataclass(frozen=True)
class SeriesHistory:
    host: str
    host_key: str
    workload: str
    size: str
    series: str
    versions: list[str]
    changes: list[Change]

    @property
    def name(self) -> str:
        return f"{self.host} {self.workload}/{self.size} {self.series}"


def split_label(runtime: str, mode: str) -> tuple[str, str | None]:
    """The series' row label without a requested version, and that version (None: none requested):
    ``wasmtime``/``embedded@40.0.0`` -> (``wasmtime:embedded``, ``40.0.0``)."""
    runtime, _, runtime_version = runtime.partition("@")
    mode, _, mode_version = mode.partition("@")
    return row_label(runtime, mode), (runtime_version or mode_version or None)


def recorded_version(result: PairResult) -> str | None:
    """The exact version of the runtime that ran the pair, as its result records it (None: none).

    A requested version (``@20``) picks the recorded one it abbreviates (``20.18.0``); otherwise the
    component that runs the mode (``EMBEDDED_COMPONENTS``, ``COMMAND_COMPONENTS``) names it.
    """
    runtime, mode = result.pair.runtime.partition("@")[0], result.pair.mode
    recorded = _versions(result.info)
    requested = split_label(result.pair.runtime, mode)[1]
    if requested:
        matching = [
            value for value in recorded.values() if value == requested or value.startswith(f"{requested}.")
        ]
        return matching[0] if matching else requested
    components = EMBEDDED_COMPONENTS if mode.startswith("embedded") else COMMAND_COMPONENTS
    keys = [component.format(runtime=runtime) for component in components]
    return next((recorded[key] for key in keys if key in recorded), None)


def _versions(info: PairInfo | None) -> dict[str, str]:
    """The recorded versions that parse as versions, each its first version number."""
    versions = {}
    for component, text in (info.runtime_version if info else {}).items():
        match = VERSION_PATTERN.search(text)
        if match and _parses(match.group(0)):
            versions[component] = match.group(0)
    return versions


def _parses(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def history_frame(documents: list[ResultDocument]) -> pd.DataFrame:
    """A row per valid run of a versioned series: ``series``, ``version``, ``started`` (the suite's
    time), ``wall_s`` and, where native ran in the same round, ``round_ratio``."""
    frame = runs_frame(documents)
    if frame.empty:
        return frame.assign(series=[], version=[], started=[], round_ratio=[])
    versions = {
        (document.run_id, result.pair.runtime, result.pair.mode): recorded_version(result)
        for document in documents
        for result in document.pairs
    }
    started = {document.run_id: document.datetime for document in documents}
    pair_keys = [frame["run_id"], frame["runtime"], frame["mode"]]
    frame = frame.assign(
        series=[
            split_label(runtime, mode)[0]
            for runtime, mode in zip(frame["runtime"], frame["mode"], strict=True)
        ],
        version=[versions[key] for key in zip(*pair_keys, strict=True)],
        started=frame["run_id"].map(started),
    )
    paired = round_ratios(frame)[
        ["run_id", "host_key", "workload", "size", "runtime", "mode", "run", "round_ratio"]
    ]
    valid = frame[(frame["status"] == "ok") & (frame["series"] != BASELINE_ROW)]
    return valid.merge(
        paired, on=["run_id", "host_key", "workload", "size", "runtime", "mode", "run"], how="left"
    )


def unversioned(frame: pd.DataFrame) -> list[str]:
    """The series that record no runtime version: left out of the history, named once."""
    return sorted(frame.loc[frame["version"].isna(), "series"].unique())


def series_histories(frame: pd.DataFrame, alpha: float = 0.01) -> list[SeriesHistory]:
    """Every versioned series of ``history_frame`` with its changes, in the report's order."""
    versioned = frame[frame["version"].notna()]
    histories = []
    for (host_key, workload, size, series), runs in versioned.groupby(SERIES, sort=True):
        versions = ordered_versions(runs["version"])
        times = [runs.loc[runs["version"] == version, "wall_s"].to_numpy() for version in versions]
        changes = find_changes(versions, times, alpha)
        host = runs["host"].iloc[0]
        histories.append(SeriesHistory(host, host_key, workload, size, series, versions, changes))
    return histories


def version_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """A row per series and version (oldest first): its ``suites`` and valid ``runs``, ``time_s``
    (the geometric mean of its run times, the level the steps are found in) and, where its runs were
    paired with native's, ``ratio`` with its 95 % CI (``ratio_low``, ``ratio_high``)."""
    rows = []
    for (*labels, version), runs in frame[frame["version"].notna()].groupby([*SERIES, "version"]):
        paired = runs["round_ratio"].dropna().tolist()
        interval = paired_ratio_interval(paired, quantile=T_QUANTILE) if paired else None
        rows.append(
            {
                **dict(zip(SERIES, labels, strict=True)),
                "host": runs["host"].iloc[0],
                "version": version,
                "suites": runs["run_id"].nunique(),
                "runs": len(runs),
                "time_s": float(np.exp(np.log(runs["wall_s"]).mean())),
                "ratio": interval.estimate if interval else math.nan,
                "ratio_low": interval.low if interval else math.nan,
                "ratio_high": interval.high if interval else math.nan,
            }
        )
    levels = pd.DataFrame(
        rows, columns=[*SERIES, "host", "version", "suites", "runs", "time_s", *RATIO_COLUMNS]
    )
    order = levels["version"].map(Version) if len(levels) else levels["version"]
    return (
        levels.assign(order=order)
        .sort_values([*SERIES, "order"])
        .drop(columns="order")
        .reset_index(drop=True)
    )


def suite_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """A row per series, version and suite, in the order the suites ran: the geometric mean time
    of each suite's runs, so repeated suites of one version are seen apart on the chart."""
    versioned = frame[frame["version"].notna()].assign(log_s=np.log(frame["wall_s"]))
    suites = versioned.groupby([*SERIES, "version", "started", "run_id"], as_index=False)["log_s"].mean()
    return suites.assign(time_s=np.exp(suites["log_s"])).drop(columns="log_s").sort_values("started")


def ordered_versions(versions: pd.Series) -> list[str]:
    """The distinct versions, oldest first, compared as versions (9.0 before 10.0)."""
    return sorted(versions.unique(), key=Version)


def find_changes(versions: list[str], times: list[np.ndarray], alpha: float) -> list[Change]:
    """The significant steps between consecutive ``versions`` (``times``: each version's valid
    run times, all its suites pooled); none in a series of fewer than ``MIN_VERSIONS``."""
    if len(versions) < MIN_VERSIONS:
        return []
    levels = np.array([np.log(values).mean() for values in times])
    noise = level_noise(levels, times)
    steps = proposed_steps(levels, noise)
    while True:
        changes = [_change(versions, levels, noise, steps, index, alpha) for index in range(len(steps))]
        weak = [  # an untestable step (p NaN) is the weakest
            (1.0 if math.isnan(change.comparison.p_value) else change.comparison.p_value, index)
            for index, change in enumerate(changes)
            if not _significant(change)
        ]
        if not weak:
            return changes
        steps.pop(max(weak)[1])


def proposed_steps(levels: np.ndarray, noise: float) -> list[int]:
    """PELT's steps on the per-version mean log times: the indices of the versions that start a
    new segment."""
    penalty = NOISE_PENALTY * noise**2 * math.log(len(levels))
    ends = ruptures.Pelt(model="l2", min_size=1, jump=1).fit(levels.reshape(-1, 1)).predict(pen=penalty)
    return ends[:-1]  # the last end is the series' length


def level_noise(levels: np.ndarray, times: list[np.ndarray]) -> float:
    """σ of a version's mean log time: the larger of the spread between neighbouring versions
    (robust: a few steps among them barely move the median absolute deviation) and the typical
    standard error within a version; never below ``NOISE_FLOOR``."""
    between = stats.median_abs_deviation(np.diff(levels), scale="normal") / math.sqrt(2)
    logs = [np.log(values) for values in times if len(values) > 1]
    within = float(np.median([values.std(ddof=1) / math.sqrt(len(values)) for values in logs])) if logs else 0
    return max(float(between), within, NOISE_FLOOR)


def step_test(before: np.ndarray, after: np.ndarray, noise: float, df: int, alpha: float) -> Comparison:
    """The segment after a step against the one before it, each the mean of its versions' levels:
    Student's t with the series' ``noise`` as each version's σ (``df``: the series' versions less
    its segments), so a version whose suites all ran a little fast is not a step by itself."""
    difference = float(after.mean() - before.mean())
    ratio = math.exp(difference)
    if df < 1:  # as many segments as versions: no spread left to judge a step by
        return Comparison(ratio, math.nan, math.nan, math.nan, Verdict.TOO_FEW)
    error = noise * math.sqrt(1 / len(before) + 1 / len(after))
    p_value = float(2 * stats.t.sf(abs(difference) / error, df))
    half = float(stats.t.ppf(1 - alpha / 2, df)) * error
    verdict = Verdict.SAME if p_value >= alpha else Verdict.SLOWER if ratio > 1 else Verdict.FASTER
    return Comparison(ratio, math.exp(difference - half), math.exp(difference + half), p_value, verdict)


def _change(
    versions: list[str], levels: np.ndarray, noise: float, steps: list[int], index: int, alpha: float
) -> Change:
    start = steps[index - 1] if index else 0
    end = steps[index + 1] if index + 1 < len(steps) else len(versions)
    step, df = steps[index], len(versions) - len(steps) - 1
    comparison = step_test(levels[start:step], levels[step:end], noise, df, alpha)
    return Change(versions[step - 1], versions[step], comparison)


def _significant(change: Change) -> bool:
    return change.comparison.verdict in (Verdict.FASTER, Verdict.SLOWER)
