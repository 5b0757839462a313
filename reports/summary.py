"""The tidy runs frame -> one row per cell (host, size, workload, runtime, mode) with its statistics.

Every table, chart and the JSON summary read this frame. Only valid runs enter a statistic;
the others are counted per status beside them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
from packaging.version import Version

from wasmbench.measuring.stats import paired_ratio_interval
from wasmbench.measuring.stopping import CI_REACHED, MAX_RUNS, MAX_TIME
from wasmbench.reports.frame import CELL, STARTUP_WORKLOADS, VARIANT_COLUMNS, row_label
from wasmbench.reports.statistics import T_QUANTILE, geometric_mean, ratio, summarise
from wasmbench.runtimes.versions import version_order

BASELINE = ("native", "default")
BASELINE_ROW = row_label(*BASELINE)
LABELS = ["host", "arch", "cpu_model", "cores", "instance_type", "runtime_title", *VARIANT_COLUMNS]
# What every run of a pair repeats about the pair: a cell takes its first run's.
PAIR_FIELDS = ["prepare_s", "stop_reason", "artefact_target", "artefact_sha256"]
# The fields of a paired ratio's interval, as the cells' columns name them.
# Why a pair stopped under ``--runs auto`` (a cell's ``stop_reason``; empty for a fixed number of runs).
AUTO_STOP_REASONS = (CI_REACHED, MAX_RUNS, MAX_TIME)
PAIRED_COLUMNS = {"estimate": "paired_ratio", "low": "ratio_low", "high": "ratio_high", "n": "paired_n"}
# The low quantile of each mode's valid times whose ratio to native's is the robust estimator beside
# the paired ratio: interference only slows runs, so the fast end of a cell's runs is the least
# disturbed (Chen & Revels 2016 take the minimum; a low quantile is less at the mercy of one run).
LOW_QUANTILE = 0.1


def cell_summaries(frame: pd.DataFrame) -> pd.DataFrame:
    """Statistics of each cell's valid wall times, failures by status, memory, prepare time, ratio;
    ``disturbed`` runs and ``repeats`` (runs of repeated rounds) per cell, and beside the ratio the
    robust ``ratio_low_quantile`` (the ``LOW_QUANTILE`` of the cell's times ÷ native's)."""
    if frame.empty:
        return pd.DataFrame()
    ok = frame["status"] == "ok"
    runs = frame.assign(
        row=[row_label(runtime, mode) for runtime, mode in zip(frame["runtime"], frame["mode"], strict=True)],
        valid_s=frame["wall_s"].where(ok),
        failed=~ok,
        failed_status=frame["status"].mask(ok),
        failed_detail=frame["detail"].mask(ok),
        valid_rss_mib=frame["max_rss_kib"].where(ok) / 1024,
        repeat=frame["repeat_of"].notna(),
        prepare_s=pd.to_numeric(frame["prepare_ns"]) / 1e9,
        # the program or module the runs executed: the same bytes wherever the sha256 matches
        artefact_target=frame["pair.artefact.target"],
        artefact_sha256=frame["pair.artefact.sha256"],
    )
    cells = runs.groupby(CELL, sort=False)
    failures = cells.agg(
        failed=("failed", "sum"),
        failures=("failed_status", _failure_counts),
        failure_detail=("failed_detail", "first"),
    )
    interference = cells.agg(
        disturbed=("disturbed", "sum"), repeats=("repeat", "sum"), low_quantile_s=("valid_s", _low_quantile)
    )
    pair = cells.agg(
        peak_rss_mib=("valid_rss_mib", "median"),
        **{column: (column, "first") for column in PAIR_FIELDS},
    )
    summaries = pd.concat(
        [
            cells[[*LABELS, "row"]].first(),
            summarise(cells["valid_s"]),
            failures.fillna({"failure_detail": ""}),
            interference,
            pair,
        ],
        axis=1,
    )
    return _with_ratios(summaries.reset_index(), frame)


def ordered_rows(cells: pd.DataFrame) -> list[str]:
    """Runtime rows as tables and charts list them (``row_order``)."""
    return sorted(cells["row"].unique(), key=row_order)


def row_order(row: str) -> tuple[bool, bool, str, Version]:
    """Native first, its other builds (native:host) next, then the runtimes by name, a mode's
    versions in release order (``embedded@9.0.0`` before ``embedded@13.0.2``)."""
    return row != BASELINE_ROW, row.partition(":")[0] != BASELINE[0], *version_order(row)


def work_workloads(cells: pd.DataFrame) -> list[str]:
    """The workloads that measure work (columns of the time table), start-up probes aside."""
    return sorted(set(cells["workload"]) - set(STARTUP_WORKLOADS))


def runtime_ratios(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells of the ratio table and charts: work workloads of non-native runtimes with a ratio."""
    work = cells["workload"].isin(work_workloads(cells))
    return cells[work & cells["ratio"].notna() & (cells["row"] != BASELINE_ROW)]


def geometric_means(cells: pd.DataFrame, workloads: list[str], by: str) -> pd.Series:
    """Geometric mean of the ratios to native over ``workloads``, per group of ``by`` (e.g. row).

    Callers pass cells of one host and size, or group by host: never a mean across hosts.
    """
    measured = cells[cells["workload"].isin(workloads) & cells["ratio"].notna()]
    return measured.groupby(by, sort=False)["ratio"].agg(lambda ratios: geometric_mean(list(ratios)))


@dataclass(frozen=True)
class GeomeanBasis:
    """Which geometric means of one host block's ratios may be set against each other.

    ``workloads``: the set every ``compared`` row has (the rows that ran the most workloads agree on
    them); a row without all of them (``apart``: e.g. wasmtime:nn, which runs only inference) has a
    geometric mean over fewer workloads, which is never compared with the others.
    """

    workloads: list[str]
    compared: list[str]
    apart: dict[str, list[str]]


def geomean_basis(ratios: pd.DataFrame) -> GeomeanBasis:
    """The basis of the cells of ``runtime_ratios`` of one host and size."""
    ran = ratios.groupby("row", sort=False)["workload"].agg(lambda workloads: set(workloads))
    if ran.empty:
        return GeomeanBasis([], [], {})
    most = ran.map(len).max()
    common = set.intersection(*ran[ran.map(len) == most])
    covers = ran.map(lambda workloads: common <= workloads)
    rows = ordered_rows(ratios)
    return GeomeanBasis(
        workloads=sorted(common),
        compared=[row for row in rows if covers[row]],
        apart={row: sorted(ran[row]) for row in rows if not covers[row]},
    )


def basis_geomeans(ratios: pd.DataFrame, basis: GeomeanBasis) -> pd.Series:
    """Each row's geometric mean of its ratios: a compared row's over the basis's workloads, a row
    apart's over its own."""
    compared = geometric_means(ratios[ratios["row"].isin(basis.compared)], basis.workloads, by="row")
    apart = [geometric_means(ratios[ratios["row"] == row], own, by="row") for row, own in basis.apart.items()]
    return pd.concat([compared, *apart])


def _with_ratios(cells: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Each cell against native on the same host and size.

    Where the cell and native ran in the same rounds, the ratio is *paired*: the geometric mean of
    the per-round ratios (this mode's time ÷ native's time in the same round of the same suite),
    with its 95 % CI computed on the log scale (``ratio_low``, ``ratio_high``; ``paired_n`` rounds,
    undisturbed ones wherever ``round_ratios`` finds enough, ``disturbed_in_ratio`` the others).
    Slow drift of the machine, which both saw, cancels in each round's ratio. Elsewhere (result
    files from before rounds) it is the ratio of the means with hyperfine's propagated uncertainty.
    """
    keys = ["host_key", "size", "workload"]
    native = cells.loc[_is_baseline(cells), [*keys, "mean", "stddev", "low_quantile_s"]]
    both = cells.merge(native, on=keys, how="left", suffixes=("", "_native"))
    value, error = ratio(both["mean"], both["stddev"], both["mean_native"], both["stddev_native"])
    cells = cells.assign(
        ratio=value.to_numpy(),
        ratio_error=error.to_numpy(),
        ratio_paired=False,
        ratio_low_quantile=(both["low_quantile_s"] / both["low_quantile_s_native"]).to_numpy(),
    )
    paired = _paired_ratios(frame)
    if paired.empty:
        return cells
    cells = cells.merge(paired, on=CELL, how="left")
    found = cells["paired_n"].notna()
    cells.loc[found, "ratio"] = cells.loc[found, "paired_ratio"]
    cells.loc[found, "ratio_error"] = (cells.loc[found, "ratio_high"] - cells.loc[found, "ratio_low"]) / 2
    cells.loc[found, "ratio_paired"] = True
    return cells.drop(columns=["paired_ratio"])


def round_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Every valid run that has a valid native run in the same round of the same suite, with
    ``round_ratio``: its time ÷ that native time, and ``round_disturbed``: either run was disturbed.

    A cell's disturbed rounds are left out wherever two undisturbed ones remain (an interval needs
    two): a load that lands on the mode's run and not on native's only ever raises the ratio."""
    valid = frame[(frame["status"] == "ok") & frame["round"].notna()]
    same_round = ["host_key", "size", "workload", "run_id", "round"]
    native = valid[_is_baseline(valid)][[*same_round, "wall_s", "disturbed"]]
    matched = valid.merge(native, on=same_round, suffixes=("", "_native"))
    matched = matched.assign(
        round_ratio=matched["wall_s"] / matched["wall_s_native"],
        round_disturbed=matched["disturbed"] | matched["disturbed_native"],
    )
    undisturbed = (~matched["round_disturbed"]).groupby([matched[column] for column in CELL]).transform("sum")
    return matched[~matched["round_disturbed"] | (undisturbed < 2)]


def _paired_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Per cell of two rounds or more: the geometric mean of its per-round ratios to native and its
    95 % CI on the log scale (``paired_ratio_interval``, the estimator ``compare`` shows too)."""
    rounds = round_ratios(frame).groupby(CELL, sort=False)
    intervals = rounds["round_ratio"].agg(
        lambda cell: paired_ratio_interval(cell.tolist(), quantile=T_QUANTILE)
    )
    fields = [asdict(interval) for interval in intervals]
    paired = pd.DataFrame(fields, index=intervals.index, columns=list(PAIRED_COLUMNS))
    paired["disturbed_in_ratio"] = rounds["round_disturbed"].sum()
    paired = paired.rename(columns=PAIRED_COLUMNS).reset_index()
    return paired[paired["paired_n"] >= 2]


def _low_quantile(times: pd.Series) -> float:
    """The ``LOW_QUANTILE`` of a cell's valid times (NaN: the runs that are not valid, left out)."""
    return times.quantile(LOW_QUANTILE)


def _failure_counts(statuses: pd.Series) -> str:
    """``2 timeout, 1 crashed``: the failed runs (the others are NaN) counted per status."""
    return ", ".join(f"{n} {status}" for status, n in statuses.value_counts().items())


def _is_baseline(frame: pd.DataFrame) -> pd.Series:
    return (frame["runtime"] == BASELINE[0]) & (frame["mode"] == BASELINE[1])
