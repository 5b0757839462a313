"""Charts of the cell summaries, one module per chart; each ``draw(cells, colours)`` returns a
Figure or None, every runtime mode in its colour of ``colours`` (one mapping for the whole report).

Figures are built with ``matplotlib.figure.Figure`` and saved through the Agg (PNG) and SVG
canvases, never through pyplot: no display, no GUI backend, no global state between reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts import cost, cross_host, ratio, startup_memory, time
from wasmbench.reports.charts.bars import Colours, mode_colours

CHARTS: dict[str, Callable[[pd.DataFrame, Colours], Figure | None]] = {
    "time": time.draw,
    "ratio": ratio.draw,
    "startup-memory": startup_memory.draw,
    "cross-host": cross_host.draw,
    "cost": cost.draw,
}
FORMATS = ("png", "svg")


def draw_charts(cells: pd.DataFrame, colours: Colours | None = None) -> dict[str, Figure]:
    """Every chart the cells support, by name, coloured from one mapping of every row of the report
    (``colours``; by default of the cells' rows)."""
    colours = colours or mode_colours(cells["row"])
    figures = {name: draw(cells, colours) for name, draw in CHARTS.items()}
    return {name: figure for name, figure in figures.items() if figure is not None}


def write_charts(cells: pd.DataFrame, directory: Path, colours: Colours | None = None) -> dict[str, Path]:
    """Every chart the cells support, as PNG and SVG; returns the PNG path of each by name."""
    return save_figures(draw_charts(cells, colours), directory)


def save_figures(figures: dict[str, Figure], directory: Path) -> dict[str, Path]:
    """Each figure as PNG and SVG, named by its key; returns the PNG path of each by name."""
    written = {}
    for name, figure in figures.items():
        for extension in FORMATS:
            figure.savefig(directory / f"{name}.{extension}", dpi=150, bbox_inches="tight")
        written[name] = directory / f"{name}.png"
    return written
