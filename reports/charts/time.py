"""Time per workload × runtime: grouped bars of the mean with stddev error bars, a panel per host."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.panels import bar_series, blocks, title
from wasmbench.reports.summary import work_workloads


def draw(cells: pd.DataFrame) -> Figure | None:
    work = cells[cells["workload"].isin(work_workloads(cells)) & (cells["n"] > 0)]
    if work.empty:
        return None
    panels = blocks(work)
    fig, axes = figure(len(panels), work["workload"].nunique())
    for ax, block in zip(axes, panels, strict=True):
        workloads = sorted(block["workload"].unique())
        grouped_bars(ax, workloads, bar_series(block, workloads, "mean", "stddev"), "wall time (s)")
        ax.set_title(title(block))
    fig.suptitle("Time per workload (mean ± stddev of valid runs)")
    return fig
