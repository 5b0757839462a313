"""Grouped bars with error bars: the one drawing routine every chart shares, and the colours.

A runtime mode has one colour in the whole report (``mode_colours``, computed once from every row
of the report and handed to every chart), so a reader who learnt docker:run's colour in one chart
finds it again in the next, on every host.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from wasmbench.reports.summary import row_order

PANEL_WIDTH_PER_GROUP = 1.4  # inches per bar group, plus room for the axis and the legend
PANEL_HEIGHT = 3.6
# Above this many bars per group the value labels run into each other; the tables have the numbers.
MAX_LABELLED_SERIES = 6
# Where the largest value is more than this many times the smallest, bar lengths are read on a log scale.
DECADE = 10
# A colour per runtime mode (a matplotlib colour: a name or an RGBA tuple).
Colours = Mapping[str, Any]
# The reference line every ratio bar is read against, as the legend names it.
PARITY_LABEL = "native (= 1)"


def mode_colours(rows: Iterable[str]) -> dict[str, Any]:
    """A distinct colour per runtime mode, in the tables' order: matplotlib's ten-colour
    cycle, or tab20's twenty when more modes than ten would repeat a colour."""
    ordered = sorted(set(rows), key=row_order)
    palette = colormaps["tab10" if len(ordered) <= 10 else "tab20"]
    return {row: palette(index % palette.N) for index, row in enumerate(ordered)}


def spans_decades(values: Iterable[float]) -> bool:
    """Whether the positive ``values`` span more than a decade: a linear axis would flatten the small ones."""
    positive = [value for value in values if value > 0 and not math.isnan(value)]
    return bool(positive) and max(positive) > DECADE * min(positive)


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
    colours: Colours,
    log: bool = False,
    value_format: str | None = None,
    hatches: Mapping[str, str] | None = None,
    parity: bool = False,
) -> None:
    """One bar per series in each group, coloured by ``colours[series]`` (a runtime mode's colour;
    ``hatches`` tell series of one colour apart); NaN values leave a gap. ``value_format`` labels
    bar tops when there are few enough bars for the labels to be read; ``parity`` draws the line
    of a ratio of 1, named in the legend (outside the axes), where no legend or bar hides its label."""
    positions = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    for index, (label, (values, errors)) in enumerate(series.items()):
        offsets = positions - 0.4 + width * (index + 0.5)
        shown_errors = [error if error else np.nan for error in errors]  # no cap where there is no spread
        ax.bar(
            offsets,
            values,
            width,
            yerr=shown_errors,
            label=label,
            color=colours[label],
            hatch=(hatches or {}).get(label),
            edgecolor="white" if hatches else None,
            capsize=3,
            error_kw={"elinewidth": 1},
        )
        if value_format and len(series) <= MAX_LABELLED_SERIES:
            for x, value, error in zip(offsets, values, errors, strict=True):
                _label_above(ax, x, value, error, value_format)
    if parity:
        ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--", label=PARITY_LABEL)
    readable_ticks(ax, positions, groups)
    ax.set_ylabel(ylabel)
    ax.margins(y=0.15)
    if log:
        plain_log_axis(ax)
    else:
        ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)


def readable_ticks(ax: Axes, positions: np.ndarray, labels: list[str]) -> None:
    """Group labels that never run into each other: slanted, right-aligned under their group, when
    many or long ones share the axis."""
    crowded = len(labels) > 5 or sum(len(label) for label in labels) > 60
    ax.set_xticks(positions, labels, rotation=30 if crowded else 0, ha="right" if crowded else "center")


def plain_log_axis(ax: Axes, axis: str = "y") -> None:
    """Log scale labelled with plain numbers (0.8, 1, 1.5), denser ticks when few decades show."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    subs = (1.0, 2.0, 5.0) if math.log10(high / low) > 1 else (1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 7.0)
    target.set_major_locator(LogLocator(base=10, subs=subs))
    target.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    target.set_minor_formatter(NullFormatter())


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
