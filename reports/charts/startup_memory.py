"""Start-up time (the nop workload) and peak memory per runtime, a row of two panels per host."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.panels import blocks, series_by_row, title
from wasmbench.reports.frame import STARTUP_WORKLOADS


def draw(cells: pd.DataFrame) -> Figure | None:
    measured = cells[cells["n"] > 0]
    if measured.empty:
        return None
    panels = blocks(measured)
    fig, axes = figure(2 * len(panels), measured["workload"].nunique(), columns=2)
    for (startup_ax, memory_ax), block in zip(zip(axes[::2], axes[1::2], strict=True), panels, strict=True):
        startup = sorted(set(block["workload"]) & set(STARTUP_WORKLOADS))
        if startup:
            series = series_by_row(block, startup, "mean", "stddev", scale=1e3)
            grouped_bars(startup_ax, startup, series, "start-up time (ms)", value_format=".1f")
            startup_ax.set_title(f"Start-up: {title(block)}")
        else:
            startup_ax.set_visible(False)
        workloads = sorted(block["workload"].unique())
        series = series_by_row(block, workloads, "peak_rss_mib", None)
        grouped_bars(memory_ax, workloads, series, "peak RSS (MiB, median)")
        memory_ax.set_title(f"Peak memory: {title(block)}")
    fig.suptitle("Start-up time (mean ± stddev) and peak memory per runtime")
    return fig
