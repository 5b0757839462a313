"""Slicing the cell summaries into chart panels and bar series."""

from __future__ import annotations

import math

import pandas as pd

from wasmbench.reports.summary import ordered_rows


def blocks(cells: pd.DataFrame) -> list[pd.DataFrame]:
    """One frame per (host, size): the panels of a per-host chart, never mixing hosts."""
    return [block for _, block in cells.groupby(["host_key", "size"], sort=False)]


def title(block: pd.DataFrame) -> str:
    first = block.iloc[0]
    return f"{first['host']} ({first['arch']}) — size {first['size']}"


def bar_series(
    block: pd.DataFrame,
    groups: list[str],
    value: str,
    error: str | None,
    scale: float = 1.0,
    across: str = "row",
    along: str = "workload",
) -> dict[str, tuple[list[float], list[float]]]:
    """A bar series per ``across`` label (runtime rows by default), its ``value`` (and ``error``)
    for each of ``groups`` along the x axis (workloads by default); NaN where a cell is absent."""
    labels = ordered_rows(block) if across == "row" else sorted(block[across].unique())
    series = {}
    for label in labels:
        cells = block[block[across] == label].set_index(along).reindex(groups)
        values = (cells[value] * scale).tolist()
        errors = (cells[error] * scale).fillna(0).tolist() if error else [0.0] * len(groups)
        series[label] = (values, errors)
    return series


def with_group(
    series: dict[str, tuple[list[float], list[float]]], values: pd.Series
) -> dict[str, tuple[list[float], list[float]]]:
    """Each series extended by one more group, e.g. the geometric mean (no error bar)."""
    return {
        label: ([*bars, values.get(label, math.nan)], [*errors, 0.0])
        for label, (bars, errors) in series.items()
    }
