"""Slicing the cell summaries into chart panels and bar series."""

from __future__ import annotations

import pandas as pd

from wasmbench.reports.summary import BASELINE_ROW


def blocks(cells: pd.DataFrame) -> list[pd.DataFrame]:
    """One frame per (host, size): the panels of a per-host chart, never mixing hosts."""
    return [block for _, block in cells.groupby(["host_key", "size"], sort=False)]


def title(block: pd.DataFrame) -> str:
    first = block.iloc[0]
    return f"{first['host']} ({first['arch']}) — size {first['size']}"


def ordered_rows(cells: pd.DataFrame) -> list[str]:
    return sorted(cells["row"].unique(), key=lambda row: (row != BASELINE_ROW, row))


def series_by_row(
    block: pd.DataFrame, groups: list[str], value: str, error: str | None, scale: float = 1.0
) -> dict[str, tuple[list[float], list[float]]]:
    """For each runtime row, its ``value`` (and ``error``) per workload in ``groups`` (NaN if absent)."""
    series = {}
    for row in ordered_rows(block):
        cells = block[block["row"] == row].set_index("workload").reindex(groups)
        values = (cells[value] * scale).tolist()
        errors = (cells[error] * scale).fillna(0).tolist() if error else [0.0] * len(groups)
        series[row] = (values, errors)
    return series
