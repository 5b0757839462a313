"""The same runtime on each host side by side, each normalised to its own host's native.

Ratios, not seconds: an x86 and an ARM host are compared by what each runtime costs against the
native build on the same machine (cycle counts or raw times across architectures mislead). A
panel is one runtime mode, in its colour; its hosts are told apart by hatching.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from wasmbench.reports.charts.bars import Colours, figure, grouped_bars
from wasmbench.reports.charts.panels import bar_series, with_group
from wasmbench.reports.charts.ratio import ERROR_BARS
from wasmbench.reports.summary import geometric_means, runtime_ratios, work_workloads
from wasmbench.reports.tables import GEOMEAN

HATCHES = ("", "//", "..", "xx", "\\\\", "++")


def draw(cells: pd.DataFrame, colours: Colours) -> Figure | None:
    if cells["host_key"].nunique() < 2:
        return None
    workloads = work_workloads(cells)
    ratios = runtime_ratios(cells)
    panels = [
        (key, panel)
        for key, panel in ratios.groupby(["size", "row"], sort=True)
        if panel["host_key"].nunique() >= 2
    ]
    if not panels:
        return None
    machines = sorted((cells["host"] + " (" + cells["arch"] + ")").unique())
    hatches = {machine: HATCHES[index % len(HATCHES)] for index, machine in enumerate(machines)}
    fig, axes = figure(len(panels), len(workloads) + 1)
    for ax, ((size, row), panel) in zip(axes, panels, strict=True):
        # the workloads every host ran: a geometric mean per host over the same ones
        common = sorted(set.intersection(*panel.groupby("host_key")["workload"].agg(set)))
        present = sorted(panel["workload"].unique())
        panel = panel.assign(machine=panel["host"] + " (" + panel["arch"] + ")")
        series = bar_series(panel, present, "ratio", "ratio_error", across="machine")
        series = with_group(series, geometric_means(panel, common, by="machine"))
        grouped_bars(
            ax,
            [*present, f"{GEOMEAN} of {len(common)}"],
            series,
            "time ÷ host's native (log)",
            {machine: colours[row] for machine in series},
            log=True,
            value_format=".2f",
            hatches=hatches,
            parity=True,
        )
        ax.set_title(f"{row} — size {size}")
    fig.suptitle(f"Cross-host: each runtime against its own host's native\n{ERROR_BARS}")
    return fig
