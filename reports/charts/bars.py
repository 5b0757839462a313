"""Grouped bars with error bars: the one drawing routine every chart shares."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

PANEL_WIDTH_PER_GROUP = 1.4  # inches per bar group, plus room for the axis and the legend
PANEL_HEIGHT = 3.6
# Above this many bars per group the value labels run into each other; the tables have the numbers.
MAX_LABELLED_SERIES = 6


def figure(panels: int, groups: int) -> tuple[Figure, list[Axes]]:
    """A figure of ``panels`` stacked panels, wide enough for ``groups`` bar groups each.

    Stacked, not side by side: the figure keeps a width that stays readable when a browser or a
    document scales it to its column.
    """
    width = max(6.0, min(12.0, PANEL_WIDTH_PER_GROUP * groups + 3.0))
    fig = Figure(figsize=(width, PANEL_HEIGHT * panels), layout="constrained")
    return fig, fig.subplots(panels, 1, squeeze=False).ravel().tolist()


def grouped_bars(
    ax: Axes,
    groups: list[str],
    series: dict[str, tuple[list[float], list[float]]],
    ylabel: str,
    log: bool = False,
    value_format: str | None = None,
    legend: bool = True,
) -> None:
    """One bar per series in each group; NaN values leave a gap. ``value_format`` labels bar tops
    when there are few enough bars for the labels to be read."""
    positions = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    colours = _colours(len(series))
    for index, (label, (values, errors)) in enumerate(series.items()):
        offsets = positions - 0.4 + width * (index + 0.5)
        shown_errors = [error if error else np.nan for error in errors]  # no cap where there is no spread
        ax.bar(
            offsets,
            values,
            width,
            yerr=shown_errors,
            label=label,
            color=colours[index],
            capsize=3,
            error_kw={"elinewidth": 1},
        )
        if value_format and len(series) <= MAX_LABELLED_SERIES:
            for x, value, error in zip(offsets, values, errors, strict=True):
                _label_above(ax, x, value, error, value_format)
    ax.set_xticks(positions, groups, rotation=20 if len(groups) > 5 else 0)
    ax.set_ylabel(ylabel)
    ax.margins(y=0.15)
    if log:
        _plain_log_axis(ax)
    else:
        ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if legend:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)


def _colours(count: int) -> list:
    """A distinct colour per series: matplotlib's ten-colour cycle repeats after ten, so that two
    runtimes of a large suite would share a colour; twenty distinct colours from tab20 then."""
    palette = colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(index % palette.N) for index in range(count)]


def _plain_log_axis(ax: Axes) -> None:
    """Log scale labelled with plain numbers (0.8, 1, 1.5), denser ticks when few decades show."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    subs = (1.0, 2.0, 5.0) if math.log10(high / low) > 1 else (1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 7.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _label_above(ax: Axes, x: float, value: float, error: float, value_format: str) -> None:
    """The value printed just above the bar's error bar, so the two never overlap."""
    if value is None or math.isnan(value):
        return
    top = value + (error or 0.0)
    ax.annotate(
        format(value, value_format),
        (x, top),
        xytext=(0, 2),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7,
    )
