"""Charts of the cell summaries, one module per chart; each ``draw(cells)`` returns a Figure or None.

Figures are built with ``matplotlib.figure.Figure`` and saved through the Agg (PNG) and SVG
canvases, never through pyplot: no display, no GUI backend, no global state between reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts import cost, cross_host, ratio, startup_memory, time

CHARTS: dict[str, Callable[[pd.DataFrame], Figure | None]] = {
    "time": time.draw,
    "ratio": ratio.draw,
    "startup-memory": startup_memory.draw,
    "cross-host": cross_host.draw,
    "cost": cost.draw,
}
FORMATS = ("png", "svg")


def write_charts(cells: pd.DataFrame, directory: Path) -> dict[str, Path]:
    """Every chart the cells support, as PNG and SVG; returns the PNG path of each by name."""
    written = {}
    for name, draw in CHARTS.items():
        figure = draw(cells)
        if figure is None:
            continue
        for extension in FORMATS:
            figure.savefig(directory / f"{name}.{extension}", dpi=150, bbox_inches="tight")
        written[name] = directory / f"{name}.png"
    return written
