"""The tidy runs frame -> one row per cell (host, size, workload, runtime, mode) with its statistics.

Every table, chart and the JSON summary read this frame. Only valid runs enter a statistic;
the others are counted per status beside them.
"""

from __future__ import annotations

import math

import pandas as pd

from wasmbench.measuring.stats import geometric_mean_interval
from wasmbench.reports.frame import CELL, STARTUP_WORKLOADS, VARIANT_COLUMNS, row_label
from wasmbench.reports.statistics import geometric_mean, ratio, summarise

BASELINE = ("native", "default")
BASELINE_ROW = row_label(*BASELINE)
LABELS = ["host", "arch", "cpu_model", "cores", "instance_type", "runtime_title", *VARIANT_COLUMNS]


def cell_summaries(frame: pd.DataFrame) -> pd.DataFrame:
    """Statistics of each cell's valid wall times, failures by status, memory, prepare time, ratio."""
    rows = []
    for key, runs in frame.groupby(CELL, sort=False):
        valid = runs[runs["status"] == "ok"]
        failed = runs[runs["status"] != "ok"]
        summary = summarise(valid["wall_s"].to_numpy())
        rows.append(
            {
                **dict(zip(CELL, key, strict=True)),
                **runs.iloc[0][LABELS].to_dict(),
                "row": row_label(key[3], key[4]),
                **summary.as_dict(),
                "failed": len(failed),
                "failures": ", ".join(
                    f"{n} {status}" for status, n in failed["status"].value_counts().items()
                ),
                "failure_detail": failed["detail"].iloc[0] if len(failed) else "",
                "peak_rss_mib": valid["max_rss_kib"].median() / 1024 if len(valid) else math.nan,
                "prepare_s": _prepare_seconds(runs["prepare_ns"].iloc[0]),
                "stop_reason": runs["stop_reason"].iloc[0],
                # the program or module the runs executed: the same bytes wherever the sha256 matches
                "artefact_target": runs["pair.artefact.target"].iloc[0],
                "artefact_sha256": runs["pair.artefact.sha256"].iloc[0],
            }
        )
    cells = pd.DataFrame(rows)
    if cells.empty:
        return cells
    return _with_ratios(cells, frame)


def ordered_rows(cells: pd.DataFrame) -> list[str]:
    """Runtime rows as tables and charts list them: native first, then by name."""
    return sorted(cells["row"].unique(), key=lambda row: (row != BASELINE_ROW, row))


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


def _with_ratios(cells: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Each cell against native on the same host and size.

    Where the cell and native ran in the same rounds, the ratio is *paired*: the geometric mean of
    the per-round ratios (this mode's time ÷ native's time in the same round of the same suite),
    with its 95 % CI computed on the log scale (``ratio_low``, ``ratio_high``; ``ratio_n`` rounds).
    Slow drift of the machine, which both saw, cancels in each round's ratio. Elsewhere (result
    files from before rounds) it is the ratio of the means with hyperfine's propagated uncertainty.
    """
    keys = ["host_key", "size", "workload"]
    native = cells.loc[_is_baseline(cells), [*keys, "mean", "stddev"]]
    both = cells.merge(native, on=keys, how="left", suffixes=("", "_native"))
    value, error = ratio(both["mean"], both["stddev"], both["mean_native"], both["stddev_native"])
    cells = cells.assign(ratio=value.to_numpy(), ratio_error=error.to_numpy(), ratio_paired=False)
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
    ``round_ratio``: its time ÷ that native time."""
    valid = frame[(frame["status"] == "ok") & frame["round"].notna()]
    same_round = ["host_key", "size", "workload", "run_id", "round"]
    native = valid[_is_baseline(valid)][[*same_round, "wall_s"]]
    matched = valid.merge(native, on=same_round, suffixes=("", "_native"))
    return matched.assign(round_ratio=matched["wall_s"] / matched["wall_s_native"])


def _paired_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Per cell: geometric mean of its per-round ratios to native, the log-scale CI, the count."""
    rows = []
    for key, cell in round_ratios(frame).groupby(CELL, sort=False):
        if len(cell) < 2:
            continue
        centre, low, high = geometric_mean_interval(cell["round_ratio"].tolist())
        rows.append(
            {**dict(zip(CELL, key, strict=True)), "paired_ratio": centre, "ratio_low": low}
            | {"ratio_high": high, "paired_n": len(cell)}
        )
    return pd.DataFrame(rows, columns=[*CELL, "paired_ratio", "ratio_low", "ratio_high", "paired_n"])


def _is_baseline(frame: pd.DataFrame) -> pd.Series:
    return (frame["runtime"] == BASELINE[0]) & (frame["mode"] == BASELINE[1])


def _prepare_seconds(prepare_ns: object) -> float:
    return math.nan if prepare_ns is None or pd.isna(prepare_ns) else float(prepare_ns) / 1e9
