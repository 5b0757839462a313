"""The Invocations section's charts, a panel per host, size and workload: the latency CDF of each
served mode (log time axis) and its throughput against the concurrency.

A mode keeps the report's colour (``bars.mode_colours``); its path is the line's style: solid
warm, dashed cold (a process or container per invocation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import PANEL_HEIGHT, Colours, plain_log_axis, spans_decades
from wasmbench.reports.invocations import unit_order

LINE_STYLES = {"warm": "-", "cold": "--"}
CDF_CONCURRENCY = 1  # one request at a time: the latency of an invocation, no queueing in it
WIDTH = 8.0


def _panels(loads: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    return [
        (f"{first['host']} ({first['arch']}) — {workload}, size {size}", panel)
        for (_, size, workload), panel in loads.groupby(["host_key", "size", "workload"], sort=False)
        for first in [panel.iloc[0]]
    ]


def _figure(panels: int) -> tuple[Figure, list]:
    fig = Figure(figsize=(WIDTH, PANEL_HEIGHT * panels), layout="constrained")
    return fig, fig.subplots(panels, 1, squeeze=False).ravel().tolist()


def latency_cdf(loads: pd.DataFrame, colours: Colours) -> Figure | None:
    """The share of valid responses within each latency, per served mode, at concurrency 1."""
    single = (
        loads[(loads["concurrency"] == CDF_CONCURRENCY) & (loads["ok"] > 0)] if not loads.empty else loads
    )
    if single.empty:
        return None
    panels = _panels(single)
    fig, axes = _figure(len(panels))
    for ax, (title, panel) in zip(axes, panels, strict=True):
        for _, load in panel.sort_values("unit", key=lambda units: units.map(unit_order)).iterrows():
            latencies_ms = np.sort(load["latencies_s"]) * 1000
            share = np.arange(1, latencies_ms.size + 1) / latencies_ms.size
            ax.step(
                latencies_ms,
                share,
                where="post",
                color=colours[load["row"]],
                linestyle=LINE_STYLES[load["path"]],
                label=load["unit"],
            )
        plain_log_axis(ax, "x")
        ax.set_xlabel("latency through the HTTP front (ms, log scale)")
        ax.set_ylabel("share of valid responses")
        ax.set_ylim(0, 1.02)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(title)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle(
        f"Latency CDF per served mode, {CDF_CONCURRENCY} request at a time (solid: warm, dashed: cold)"
    )
    return fig


def throughput(loads: pd.DataFrame, colours: Colours) -> Figure | None:
    """Valid responses per second against the load generator's concurrency, per served mode."""
    if loads.empty or loads["concurrency"].nunique() < 2:
        return None
    panels = _panels(loads)
    fig, axes = _figure(len(panels))
    for ax, (title, panel) in zip(axes, panels, strict=True):
        ordered = panel.sort_values("unit", key=lambda units: units.map(unit_order), kind="stable")
        for unit, runs in ordered.sort_values("concurrency", kind="stable").groupby("unit", sort=False):
            first = runs.iloc[0]
            ax.plot(
                runs["concurrency"],
                runs["rps"],
                marker="o",
                color=colours[first["row"]],
                linestyle=LINE_STYLES[first["path"]],
                label=unit,
            )
        levels = sorted(panel["concurrency"].unique())
        ax.set_xscale("log", base=2)
        ax.set_xticks(levels, [str(level) for level in levels])
        if spans_decades(panel["rps"]):
            plain_log_axis(ax)
        ax.set_ylim(bottom=0 if not spans_decades(panel["rps"]) else None)
        ax.set_xlabel("concurrent requests (hey -c)")
        ax.set_ylabel("valid responses per second")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(title)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle("Throughput against concurrency per served mode (solid: warm, dashed: cold)")
    return fig


CHARTS = {"invocations-latency-cdf": latency_cdf, "invocations-throughput": throughput}


def invocation_charts(loads: pd.DataFrame, colours: Colours) -> dict[str, Figure]:
    """Every chart the load runs support, by name."""
    figures = {name: draw(loads, colours) for name, draw in CHARTS.items()}
    return {name: figure for name, figure in figures.items() if figure is not None}
