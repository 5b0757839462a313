"""Ratio to native per runtime on a log scale, a panel per host; the geometric mean closes each panel."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.panels import blocks, series_by_row, title
from wasmbench.reports.summary import BASELINE_ROW, geometric_means
from wasmbench.reports.tables import GEOMEAN, work_workloads


def draw(cells: pd.DataFrame) -> Figure | None:
    workloads = work_workloads(cells)
    ratios = cells[
        cells["workload"].isin(workloads) & cells["ratio"].notna() & (cells["row"] != BASELINE_ROW)
    ]
    if ratios.empty:
        return None
    panels = blocks(ratios)
    fig, axes = figure(len(panels), len(workloads) + 1)
    for ax, block in zip(axes, panels, strict=True):
        present = sorted(block["workload"].unique())
        series = series_by_row(block, present, "ratio", "ratio_error")
        means = geometric_means(block, present).droplevel([0, 1])
        for row, (values, errors) in series.items():
            series[row] = ([*values, means.get(row)], [*errors, 0.0])
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
