"""Ratio to native per runtime on a log scale, a panel per host; the geometric mean closes each
panel, for the rows compared over the same workloads only (``summary.geomean_basis``)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import Colours, figure, grouped_bars
from wasmbench.reports.charts.panels import bar_series, blocks, title, with_group
from wasmbench.reports.summary import geomean_basis, geometric_means, runtime_ratios, work_workloads
from wasmbench.reports.tables import GEOMEAN

# What the error bars are, as the chart's title says.
ERROR_BARS = "error bars: paired 95 % CI on the log scale (± propagated stddev for results without rounds)"


def draw(cells: pd.DataFrame, colours: Colours) -> Figure | None:
    workloads = work_workloads(cells)
    ratios = runtime_ratios(cells)
    if ratios.empty:
        return None
    panels = blocks(ratios)
    fig, axes = figure(len(panels), len(workloads) + 1)
    for ax, block in zip(axes, panels, strict=True):
        present = sorted(block["workload"].unique())
        basis = geomean_basis(block)
        compared = block[block["row"].isin(basis.compared)]
        series = bar_series(block, present, "ratio", "ratio_error")
        series = with_group(series, geometric_means(compared, basis.workloads, by="row"))
        groups = [*present, f"{GEOMEAN} of {len(basis.workloads)}"]
        grouped_bars(
            ax, groups, series, "time ÷ native time (log)", colours, log=True, value_format=".2f", parity=True
        )
        ax.set_title(title(block))
    fig.suptitle(
        "Ratio to native on the same host (> 1: slower than native)\n"
        f"{ERROR_BARS}\ngeomean: over the workloads every compared runtime ran; none for one that ran fewer"
    )
    return fig
