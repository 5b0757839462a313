"""Time per workload × runtime: grouped bars of the mean with stddev error bars, a panel per host."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import Colours, figure, grouped_bars, spans_decades
from wasmbench.reports.charts.panels import bar_series, blocks, title
from wasmbench.reports.summary import work_workloads


def draw(cells: pd.DataFrame, colours: Colours) -> Figure | None:
    work = cells[cells["workload"].isin(work_workloads(cells)) & (cells["n"] > 0)]
    if work.empty:
        return None
    panels = blocks(work)
    fig, axes = figure(len(panels), work["workload"].nunique())
    for ax, block in zip(axes, panels, strict=True):
        workloads = sorted(block["workload"].unique())
        log = spans_decades(block["mean"])
        series = bar_series(block, workloads, "mean", "stddev")
        grouped_bars(ax, workloads, series, "wall time (s)" + (" (log)" if log else ""), colours, log=log)
        ax.set_title(title(block))
    fig.suptitle("Time per workload (error bars: ± stddev of the valid runs)")
    return fig
