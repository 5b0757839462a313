"""The history of one workload at one size: a row of panels per series, time (left) and ratio to
native (right) across the versions, oldest first, with each change found marked where it falls."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import Colours, plain_log_axis, readable_ticks
from wasmbench.reports.history import SERIES, SeriesHistory

PANEL_WIDTH = 6.0
PANEL_HEIGHT = 3.2


def draw(
    histories: list[SeriesHistory], levels: pd.DataFrame, suites: pd.DataFrame, colours: Colours
) -> Figure:
    """``histories`` of one workload and size; ``levels`` and ``suites``: ``version_levels`` and
    ``suite_levels`` of at least those series."""
    fig = Figure(figsize=(2 * PANEL_WIDTH, PANEL_HEIGHT * len(histories)), layout="constrained")
    axes = fig.subplots(len(histories), 2, squeeze=False)
    for (time_ax, ratio_ax), history in zip(axes, histories, strict=True):
        key = (history.host_key, history.workload, history.size, history.series)
        own = levels.set_index(SERIES).loc[[key]]
        positions = {version: index for index, version in enumerate(history.versions)}
        colour = colours[history.series]
        _time_panel(time_ax, own, suites.set_index(SERIES).loc[[key]], positions, colour)
        _ratio_panel(ratio_ax, own, positions, colour)
        for ax in (time_ax, ratio_ax):
            _mark_changes(ax, history, positions)
            readable_ticks(ax, np.arange(len(positions)), history.versions)
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
        time_ax.set_title(f"{history.series} — {history.host}")
    first = histories[0]
    fig.suptitle(
        f"{first.workload} — size {first.size}: across runtime versions (oldest first)\n"
        "dots: each suite's geometric mean; line: each version's; dashed: a change found (Δ of the time)"
    )
    return fig


def _time_panel(
    ax: Axes,
    levels: pd.DataFrame,
    suites: pd.DataFrame,
    positions: dict[str, int],
    colour,
) -> None:
    ax.plot(levels["version"].map(positions), levels["time_s"], marker="o", color=colour, label="version")
    ax.scatter(suites["version"].map(positions), suites["time_s"], s=12, color="black", alpha=0.5, zorder=3)
    ax.set_ylabel("wall time (s)")
    ax.margins(y=0.2)


def _ratio_panel(ax: Axes, levels: pd.DataFrame, positions: dict[str, int], colour) -> None:
    paired = levels[levels["ratio"].notna()]
    if paired.empty:
        ax.text(0.5, 0.5, "no runs paired with native", ha="center", va="center", transform=ax.transAxes)
        return
    errors = [
        (paired["ratio"] - paired["ratio_low"]).fillna(0).to_numpy(),
        (paired["ratio_high"] - paired["ratio"]).fillna(0).to_numpy(),
    ]
    x = paired["version"].map(positions)
    ax.errorbar(x, paired["ratio"], yerr=errors, marker="o", color=colour, capsize=3)
    ax.set_ylabel("time ÷ native, same round (log)")
    ax.set_title("ratio to native (error bars: paired 95 % CI)")
    plain_log_axis(ax)


def _mark_changes(ax: Axes, history: SeriesHistory, positions: dict[str, int]) -> None:
    for change in history.changes:
        x = positions[change.after] - 0.5
        ax.axvline(x, color="red" if change.delta > 0 else "green", linestyle="--", linewidth=1)
        ax.annotate(
            f"{change.delta:+.1%}",
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=8,
        )
