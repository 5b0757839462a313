"""Cost per million runs per vCPU: a panel per workload, each runtime's bars side by side per host.

Hosts share a panel here (unlike the time charts): what a run costs is comparable across machines
once each is priced, which is the point of the chart. Each panel's title names its cheapest
(host, runtime), the report's "Cheapest per workload" line.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.panels import bar_series
from wasmbench.reports.cost import cheapest
from wasmbench.reports.cost_tables import money
from wasmbench.reports.summary import ordered_rows


def draw(cells: pd.DataFrame) -> Figure | None:
    priced = cells[cells["vcpu_cost"].notna()]
    if priced.empty:
        return None
    panels = list(priced.groupby(["size", "workload", "currency"], sort=True))
    winners = cheapest(priced).set_index(["size", "workload", "currency"])
    fig, axes = figure(len(panels), priced["row"].nunique())
    for ax, (key, panel) in zip(axes, panels, strict=True):
        rows = ordered_rows(panel)
        series = bar_series(panel, rows, "vcpu_cost", "vcpu_cost_error", across="host", along="row")
        size, workload, currency = key
        # log only where costs span more than a decade (e.g. an interpreter): bar lengths stay honest
        log = panel["vcpu_cost"].max() > 10 * panel["vcpu_cost"].min()
        ylabel = f"{currency} per million runs" + (" (log)" if log else "")
        grouped_bars(ax, rows, series, ylabel, log=log, value_format=".3g")
        best = winners.loc[key]
        ax.set_title(
            f"{workload} — size {size}: cheapest {best['host']} · {best['row']} "
            f"({money(best['vcpu_cost'])} {currency})"
        )
    fig.suptitle("Cost per million runs per vCPU (mean wall time × price per hour ÷ vCPUs; ± stddev)")
    return fig
