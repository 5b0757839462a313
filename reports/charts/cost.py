"""Cost per million runs per vCPU: a panel per workload, each host's runtimes side by side.

Hosts share a panel here (unlike the time charts): what a run costs is comparable across machines
once each is priced, which is the point of the chart. Each panel's title names its cheapest
(host, runtime), the report's "Cheapest per workload" line.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import Colours, figure, grouped_bars, spans_decades
from wasmbench.reports.charts.panels import bar_series
from wasmbench.reports.cost import cheapest
from wasmbench.reports.cost_tables import money


def draw(cells: pd.DataFrame, colours: Colours) -> Figure | None:
    priced = cells[cells["vcpu_cost"].notna()]
    if priced.empty:
        return None
    panels = list(priced.groupby(["size", "workload", "currency"], sort=True))
    winners = cheapest(priced).set_index(["size", "workload", "currency"])
    fig, axes = figure(len(panels), priced["host"].nunique())
    for ax, (key, panel) in zip(axes, panels, strict=True):
        hosts = list(panel["host"].unique())
        series = bar_series(panel, hosts, "vcpu_cost", "vcpu_cost_error", along="host")
        size, workload, currency = key
        # log only where costs span more than a decade (e.g. an interpreter): bar lengths stay honest
        log = spans_decades(panel["vcpu_cost"])
        ylabel = f"{currency} per million runs" + (" (log)" if log else "")
        grouped_bars(ax, hosts, series, ylabel, colours, log=log, value_format=".3g")
        best = winners.loc[key]
        ax.set_title(
            f"{workload} — size {size}: cheapest {best['host']} · {best['row']} "
            f"({money(best['vcpu_cost'])} {currency})"
        )
    fig.suptitle(
        "Cost per million runs per vCPU (mean wall time × price per hour ÷ vCPUs; error bars: ± stddev)"
    )
    return fig
