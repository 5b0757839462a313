"""The report's first screen, per host: a few sentences and one compact table that answer the
question (how much slower than native is each runtime, how fast does it start, how much memory
does it take, what does it cost), before the details.

A runtime is shown by its representative modes (the default selection: each runner's
``Declaration.representative``, the first of an entry's modes the results have); its other modes
are in the details. A geometric mean over fewer workloads than the others' (e.g. wasmtime:nn, which
runs only inference) is shown apart, never compared with them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from wasmbench.reports.cost_tables import money
from wasmbench.reports.frame import STARTUP_WORKLOADS, row_label
from wasmbench.reports.noise import advice
from wasmbench.reports.summary import (
    BASELINE_ROW,
    GeomeanBasis,
    basis_geomeans,
    geomean_basis,
    ordered_rows,
    runtime_ratios,
)
from wasmbench.reports.tables import NOT_RUN, Cell, Table, block_heading, geomean_cell, listed
from wasmbench.runtimes.registry import declarations
from wasmbench.runtimes.versions import split_version, version_order

RATIO = "× native (geomean)"
STARTUP = "start-up (ms)"
MEMORY = "peak memory (MiB)"


@dataclass(frozen=True)
class Overview:
    """One host block's first screen: its heading, what was found, the table, then how far the
    numbers can be trusted (``noise.advice``)."""

    heading: str
    findings: list[str]
    table: Table
    advice: list[str]


def overviews(cells: pd.DataFrame, missing: pd.DataFrame) -> list[Overview]:
    """An overview per host and size, in the order of the host blocks."""
    if cells.empty:
        return []
    return [
        overview(block, block_heading(block, missing))
        for _, block in cells.groupby(["host_key", "size"], sort=False)
    ]


def overview(block: pd.DataFrame, heading: str) -> Overview:
    """The overview of one host block's cells (with their cost columns when the report has prices)."""
    shown = block[block["row"].isin(representative_rows(block))]
    rows = ordered_rows(shown)
    ratios = runtime_ratios(shown)
    basis = geomean_basis(ratios)
    means = basis_geomeans(ratios, basis)
    startup = shown[shown["workload"].isin(STARTUP_WORKLOADS)].groupby("row")["mean"].first() * 1e3
    compared = shown["workload"].isin(basis.workloads) | shown["row"].isin(list(basis.apart))
    memory = shown[compared].groupby("row")["peak_rss_mib"].max()
    costs = _costs(shown, basis.workloads)
    columns = {
        RATIO: {row: _ratio_cell(row, means, basis) for row in rows},
        STARTUP: _column(rows, startup, "{:.1f}".format),
        MEMORY: _column(rows, memory, "{:.1f}".format),
    }
    if costs is not None:
        amounts, currency = costs
        columns[f"cost ({currency})"] = _column(rows, amounts, money)
    table = Table(
        "Summary",
        list(columns),
        {row: {column: cells[row] for column, cells in columns.items()} for row in rows},
        legend=_legend(basis.workloads, costs is not None),
    )
    findings = [
        _ratio_sentence(means, basis),
        _range_sentence(f"Start-up ({', '.join(STARTUP_WORKLOADS)})", startup, "ms"),
        _range_sentence("Peak memory", memory, "MiB"),
        _cost_sentence(costs),
    ]
    return Overview(heading, [sentence for sentence in findings if sentence], table, advice(block))


def representative_rows(block: pd.DataFrame) -> list[str]:
    """Each runtime's representative modes among the block's rows: per entry of its declaration's
    ``representative``, the first mode the block has. A runtime none of whose representative modes
    ran (e.g. ``-r wasmtime:jit``) shows the first of its modes that did (in its declaration's
    order; by name for a runtime this install has no runner for). A mode run at versions the user
    chose (``embedded@38.0.0``) shows every version, each its own row, oldest first."""
    declared = declarations()
    chosen = []
    for runtime, modes in block.groupby("runtime", sort=False)["mode"]:
        ran = {mode for mode in modes if split_version(mode)[1] is None}
        declaration = declared.get(runtime)
        order = list(declaration.mode_names) if declaration else sorted(ran)
        choices = declaration.choices() if declaration else []
        picks = [next((mode for mode in choice if mode in ran), None) for choice in choices]
        picks = [mode for mode in picks if mode] or [mode for mode in order if mode in ran][:1]
        picks += sorted(set(modes) - ran, key=version_order)
        chosen += [row_label(runtime, mode) for mode in picks]
    return chosen


def _ratio_cell(row: str, means: pd.Series, basis: GeomeanBasis) -> Cell:
    return Cell("1 (reference)") if row == BASELINE_ROW else geomean_cell(row, means, basis)


def _column(rows: list[str], values: pd.Series, text: Callable[[float], str]) -> dict[str, Cell]:
    """A cell per row (bold: the lowest, where the values differ), "—" where a row has none."""
    present = values.dropna()
    lowest = present.min() if present.nunique() > 1 else math.nan
    return {
        row: Cell(text(present[row]), best=present[row] == lowest) if row in present else NOT_RUN
        for row in rows
    }


def _costs(shown: pd.DataFrame, workloads: list[str]) -> tuple[pd.Series, str] | None:
    """What running each of ``workloads`` a million times costs per vCPU, per row; None unpriced."""
    if "vcpu_cost" not in shown or not workloads:
        return None
    priced = shown[shown["workload"].isin(workloads) & shown["vcpu_cost"].notna()]
    if priced.empty:
        return None
    complete = priced.groupby("row")["workload"].nunique() == len(workloads)
    totals = priced.groupby("row")["vcpu_cost"].sum()[complete]
    return totals, priced["currency"].iloc[0]


def _legend(workloads: list[str], priced: bool) -> str:
    parts = [
        f"{RATIO}: geometric mean of the time ÷ native time over {listed(workloads) or 'no workload'}, "
        "the workloads every row ran (in brackets: a row's own over fewer workloads, not compared); "
        f"{STARTUP}: the {', '.join(STARTUP_WORKLOADS)} program's mean time from start to exit; "
        f"{MEMORY}: the largest median peak over the same workloads",
    ]
    if priced:
        parts.append("cost: a million runs of each of those workloads, per vCPU")
    parts.append("Bold: the lowest. Rows: each runtime's representative modes; every mode is in the details.")
    return "; ".join(parts[:-1]) + ". " + parts[-1]


def _ratio_sentence(means: pd.Series, basis: GeomeanBasis) -> str:
    compared = means[means.index.isin(basis.compared)].sort_values()
    sentence = ""
    if len(compared):
        closest, furthest = compared.index[0], compared.index[-1]
        span = f"{compared[closest]:.2f}× ({closest})"
        if len(compared) > 1:
            span += f" to {compared[furthest]:.2f}× ({furthest})"
        sentence = f"Time against native, geometric mean over {listed(basis.workloads)}: {span}."
    for row, own in basis.apart.items():
        sentence += (
            f" {row} ran only {listed(own)} ({means[row]:.2f}× native there): not compared with the others."
        )
    return sentence.strip()


def _range_sentence(what: str, values: pd.Series, unit: str) -> str:
    present = values.dropna().sort_values()
    if present.empty:
        return ""
    low, high = present.index[0], present.index[-1]
    if len(present) == 1:
        return f"{what}: {present[low]:.1f} {unit} ({low})."
    return f"{what}: from {present[low]:.1f} {unit} ({low}) to {present[high]:.1f} {unit} ({high})."


def _cost_sentence(costs: tuple[pd.Series, str] | None) -> str:
    if costs is None or costs[0].empty:
        return ""
    amounts, currency = costs
    cheapest = amounts.idxmin()
    return f"Cheapest here: {cheapest}, {money(amounts[cheapest])} {currency} for a million runs of each."
