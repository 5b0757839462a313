"""Ratio to native per runtime on a log scale, a panel per host; the geometric mean closes each panel."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.panels import bar_series, blocks, title, with_group
from wasmbench.reports.summary import geometric_means, runtime_ratios, work_workloads
from wasmbench.reports.tables import GEOMEAN


def draw(cells: pd.DataFrame) -> Figure | None:
    workloads = work_workloads(cells)
    ratios = runtime_ratios(cells)
    if ratios.empty:
        return None
    panels = blocks(ratios)
    fig, axes = figure(len(panels), len(workloads) + 1)
    for ax, block in zip(axes, panels, strict=True):
        present = sorted(block["workload"].unique())
        series = bar_series(block, present, "ratio", "ratio_error")
        series = with_group(series, geometric_means(block, present, by="row"))
        grouped_bars(
            ax, [*present, GEOMEAN], series, "time ÷ native time (log)", log=True, value_format=".2f"
        )
        mark_parity(ax)
        ax.set_title(title(block))
    fig.suptitle("Ratio to native on the same host (> 1: slower than native; ± propagated stddev)")
    return fig


def mark_parity(ax: Axes) -> None:
    """The line every bar is read against: as fast as native."""
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.text(1.0, 1.0, " native", transform=ax.get_yaxis_transform(), fontsize=7, va="center", ha="left")
