"""The same runtime on each host side by side, each normalised to its own host's native.

Ratios, not seconds: an x86 and an ARM host are compared by what each runtime costs against the
native build on the same machine (cycle counts or raw times across architectures mislead).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import figure, grouped_bars
from wasmbench.reports.charts.ratio import mark_parity
from wasmbench.reports.summary import BASELINE_ROW, geometric_means
from wasmbench.reports.tables import GEOMEAN, work_workloads


def draw(cells: pd.DataFrame) -> Figure | None:
    if cells["host_key"].nunique() < 2:
        return None
    workloads = work_workloads(cells)
    ratios = cells[
        cells["workload"].isin(workloads) & cells["ratio"].notna() & (cells["row"] != BASELINE_ROW)
    ]
    panels = [
        (key, panel)
        for key, panel in ratios.groupby(["size", "row"], sort=True)
        if panel["host_key"].nunique() >= 2
    ]
    if not panels:
        return None
    fig, axes = figure(len(panels), len(workloads) + 1)
    for ax, ((size, row), panel) in zip(axes, panels, strict=True):
        present = sorted(panel["workload"].unique())
        means = geometric_means(panel, present)
        series = {}
        for host_key, host in panel.groupby("host_key", sort=False):
            cells_by_workload = host.set_index("workload").reindex(present)
            first = host.iloc[0]
            label = f"{first['host']} ({first['arch']})"
            series[label] = (
                [*cells_by_workload["ratio"], means.get((host_key, size, row))],
                [*cells_by_workload["ratio_error"].fillna(0), 0.0],
            )
        grouped_bars(
            ax, [*present, GEOMEAN], series, "time ÷ host's native (log)", log=True, value_format=".2f"
        )
        mark_parity(ax)
        ax.set_title(f"{row} — size {size}")
    fig.suptitle("Cross-host: each runtime against its own host's native")
    return fig
