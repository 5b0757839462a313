"""Start-up time (the nop workload) and peak memory per runtime: two panels per host, stacked."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.panels import bar_series, blocks, title
from wasmbench.reports.frame import STARTUP_WORKLOADS
from wasmbench.reports.summary import ordered_rows


def draw(cells: pd.DataFrame) -> Figure | None:
    measured = cells[cells["n"] > 0]
    if measured.empty:
        return None
    panels = blocks(measured)
    groups = max(measured["workload"].nunique(), measured["row"].nunique())
    fig, axes = figure(2 * len(panels), groups)
    for (startup_ax, memory_ax), block in zip(zip(axes[::2], axes[1::2], strict=True), panels, strict=True):
        _startup(startup_ax, block)
        workloads = sorted(block["workload"].unique())
        series = bar_series(block, workloads, "peak_rss_mib", None)
        grouped_bars(memory_ax, workloads, series, "peak RSS (MiB, median of runs)")
        memory_ax.set_title(f"Peak memory: {title(block)}")
    fig.suptitle("Start-up time (mean ± stddev) and peak memory per runtime")
    return fig


def _startup(ax: Axes, block: pd.DataFrame) -> None:
    """One bar per runtime: the start-up workloads' mean time in milliseconds."""
    startup = block[block["workload"].isin(STARTUP_WORKLOADS)]
    if startup.empty:
        ax.set_visible(False)
        return
    rows = ordered_rows(startup)
    series = bar_series(startup, rows, "mean", "stddev", scale=1e3, across="workload", along="row")
    grouped_bars(ax, rows, series, "start-up time (ms)", value_format=".1f", legend=False)
    ax.set_title(f"Start-up ({', '.join(STARTUP_WORKLOADS)}): {title(block)}")
