"""Start-up time (the nop workload) and peak memory per runtime: two panels per host, stacked.

Start-up bars lie horizontally, a runtime per line, so that no two names share a line of text;
both panels go to a log scale where their values span more than a decade (a native start-up of a
millisecond beside a container's hundreds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import Colours, figure, grouped_bars, plain_log_axis, spans_decades
from wasmbench.reports.charts.panels import bar_series, blocks, title
from wasmbench.reports.frame import STARTUP_WORKLOADS
from wasmbench.reports.summary import ordered_rows


def draw(cells: pd.DataFrame, colours: Colours) -> Figure | None:
    measured = cells[cells["n"] > 0]
    if measured.empty:
        return None
    panels = blocks(measured)
    groups = max(measured["workload"].nunique(), measured["row"].nunique())
    fig, axes = figure(2 * len(panels), groups)
    for (startup_ax, memory_ax), block in zip(zip(axes[::2], axes[1::2], strict=True), panels, strict=True):
        _startup(startup_ax, block, colours)
        _memory(memory_ax, block, colours)
    fig.suptitle("Start-up time (error bars: ± stddev of the valid runs) and peak memory per runtime")
    return fig


def _startup(ax: Axes, block: pd.DataFrame, colours: Colours) -> None:
    """One horizontal bar per runtime: the start-up workload's mean time in milliseconds."""
    startup = block[block["workload"].isin(STARTUP_WORKLOADS)].set_index("row")
    if startup.empty:
        ax.set_visible(False)
        return
    rows = ordered_rows(startup.reset_index())[::-1]  # native on top
    means, errors = startup.loc[rows, "mean"] * 1e3, startup.loc[rows, "stddev"].fillna(0) * 1e3
    positions = np.arange(len(rows))
    ax.barh(positions, means, xerr=errors.replace(0, np.nan), color=[colours[row] for row in rows], capsize=3)
    for y, value, error in zip(positions, means, errors, strict=True):  # beyond the error bar's end
        ax.annotate(
            f"{value:.1f}",
            (value + error, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(positions, rows)
    log = spans_decades(means)
    ax.set_xlabel("start-up time (ms)" + (", log scale" if log else ""))
    ax.margins(x=0.15)
    if log:
        plain_log_axis(ax, axis="x")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(f"Start-up ({', '.join(STARTUP_WORKLOADS)}): {title(block)}")


def _memory(ax: Axes, block: pd.DataFrame, colours: Colours) -> None:
    workloads = sorted(block["workload"].unique())
    log = spans_decades(block["peak_rss_mib"])
    series = bar_series(block, workloads, "peak_rss_mib", None)
    ylabel = "peak RSS (MiB, median of runs)" + (" (log)" if log else "")
    grouped_bars(ax, workloads, series, ylabel, colours, log=log)
    ax.set_title(f"Peak memory: {title(block)}")
