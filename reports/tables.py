"""The report's tables, format-free: one block per (host, size), cells as text with marks.

Formats (Markdown, HTML) only lay these out, so every format shows the same numbers. Host blocks
are never merged: a cell is always the runs of one pair on one host.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from wasmbench.execution.interference import DISTURBED_EXCESS
from wasmbench.reports.frame import STARTUP_WORKLOADS, row_label
from wasmbench.reports.noise import advice
from wasmbench.reports.statistics import ratio
from wasmbench.reports.summary import (
    AUTO_STOP_REASONS,
    BASELINE_ROW,
    GeomeanBasis,
    basis_geomeans,
    geomean_basis,
    ordered_rows,
    runtime_ratios,
    work_workloads,
)

GEOMEAN = "geomean"


@dataclass(frozen=True)
class Cell:
    text: str
    best: bool = False
    warnings: tuple[str, ...] = ()


# A workload a runtime did not run, or ran without a number to show.
NOT_RUN = Cell("—")


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: dict[str, dict[str, Cell]]
    legend: str = ""
    row_header: str = "runtime"

    def warning_lines(self) -> list[str]:
        return [
            f"{column} · {row}: {'; '.join(cells[column].warnings)}"
            for row, cells in self.rows.items()
            for column in self.columns
            if cells[column].warnings
        ]


@dataclass(frozen=True)
class HostBlock:
    host: str
    size: str
    heading: str
    tables: list[Table]
    skipped: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    not_measured: list[str] = field(default_factory=list)
    # The lines on how far the block's numbers can be trusted (``noise.advice``).
    advice: list[str] = field(default_factory=list)

    def warning_lines(self) -> list[str]:
        """Every table's flagged cells, ``table · workload · runtime: why``."""
        return [f"{table.title} · {line}" for table in self.tables for line in table.warning_lines()]

    def notes(self) -> list[tuple[str, str, list[str]]]:
        """The lists under the tables, as (title, what it means, lines), in the order every report
        format shows them; empty lists are left out."""
        notes = [
            ("Variants", "modes that run another program for a workload", self.variants),
            ("Failed runs", "counted, never averaged in", self.failures),
            ("Skipped runtimes", "", self.skipped),
            (
                "Not finished",
                "the suite was interrupted before these pairs had all their runs: "
                "`wasmbench run --resume` completes them",
                self.not_measured,
            ),
        ]
        return [note for note in notes if note[2]]


@dataclass(frozen=True)
class Section:
    """A part of the report after the host blocks, about all hosts (e.g. the cheapest per workload):
    notes as (title, what it means, lines), laid out like a host block's."""

    heading: str
    notes: list[tuple[str, str, list[str]]]


# A table of one host block's cells, or None when the block has nothing for it.
BlockTable = Callable[[pd.DataFrame], Table | None]


def host_blocks(
    cells: pd.DataFrame,
    skipped: pd.DataFrame,
    missing: pd.DataFrame,
    more_tables: Sequence[BlockTable] = (),
) -> list[HostBlock]:
    """A block per host and size, in the order the result files gave them. A host whose suite is
    unfinished (pairs ``missing``) says so in every heading, with how many pairs are missing;
    ``more_tables`` (e.g. the cost tables, which need prices the cells alone do not have) come after
    the memory table."""
    if cells.empty:
        return []
    blocks = []
    for (host_key, size), block in cells.groupby(["host_key", "size"], sort=False):
        order = {row: index for index, row in enumerate(ordered_rows(block))}
        block = block.sort_values("row", key=lambda rows: rows.map(order), kind="stable")
        first = block.iloc[0]
        host_missing = missing[missing["host_key"] == host_key]
        tables = [
            time_table(block),
            ratio_table(block),
            speedup_table(block),
            startup_table(block),
            prepare_table(block),
            memory_table(block),
            *(table(block) for table in more_tables),
            stopping_table(block),
            modules_table(block),
        ]
        blocks.append(
            HostBlock(
                host=first["host"],
                size=size,
                heading=block_heading(block, missing),
                tables=[table for table in tables if table is not None],
                skipped=_skipped_lines(skipped[skipped["host_key"] == host_key]),
                failures=_failure_lines(block),
                variants=_variant_lines(block),
                not_measured=[
                    f"{pair['workload']} · {row_label(pair['runtime'], pair['mode'])}"
                    for _, pair in host_missing[host_missing["size"] == size].iterrows()
                ],
                advice=advice(block),
            )
        )
    return blocks


def block_heading(block: pd.DataFrame, missing: pd.DataFrame) -> str:
    """The host, its machine and the size; a host whose suite is unfinished says how many pairs are
    missing."""
    first = block.iloc[0]
    host_missing = len(missing[missing["host_key"] == first["host_key"]])
    return f"{first['host']} — {host_description(first)} · size {first['size']}" + _unfinished(host_missing)


def _unfinished(missing: int) -> str:
    if not missing:
        return ""
    return f" · unfinished: {missing} pair{'s' if missing > 1 else ''} not finished"


def host_description(cell: pd.Series) -> str:
    parts = [cell["arch"], cell["cpu_model"]]
    if pd.notna(cell["cores"]) and cell["cores"]:
        parts.append(f"{int(cell['cores'])} cores")
    if cell["instance_type"]:
        parts.append(f"instance {cell['instance_type']}")
    return " · ".join(str(part) for part in parts if part)


def time_table(block: pd.DataFrame) -> Table | None:
    work = block[block["workload"].isin(work_workloads(block))]
    if work.empty:
        return None
    decimals = _decimals(work["mean"].min())
    return pivot(
        work,
        "Time (s)",
        lambda cell: _mean_stddev(cell, decimals, scale=1),
        best_by="mean",
        legend="mean ± stddev (n valid runs); bold: fastest per workload",
    )


def ratio_table(block: pd.DataFrame) -> Table | None:
    work = runtime_ratios(block)
    if work.empty:
        return None
    basis = geomean_basis(work)
    table = pivot(
        work,
        "Ratio to native",
        _ratio_text,
        best_by="ratio",
        legend="time ÷ native time on this host (> 1: slower than native). Paired: geometric mean of "
        "the per-round ratios (the mode's time ÷ native's in the same round) over the undisturbed "
        "rounds where two remain, [95 % CI on the log scale] (n rounds); ± : ratio of means ± "
        "propagated uncertainty (results without rounds). native = the portable build; native:host = "
        "the same source built for this CPU; a wasm mode with +simd runs the wasm build with 128-bit "
        "SIMD (-msimd128), one without it the scalar wasm build. "
        f"geomean: geometric mean over {listed(basis.workloads)}, the workloads every compared row ran; "
        "in brackets, a row's own over fewer workloads: not compared, never marked best. "
        + _disturbance_text(block),
        warn=False,
    )
    means = basis_geomeans(work, basis)
    for row, cells in table.rows.items():
        cells[GEOMEAN] = geomean_cell(row, means, basis)
    return Table(table.title, [*table.columns, GEOMEAN], table.rows, table.legend)


def _disturbance_text(block: pd.DataFrame) -> str:
    """How many runs a neighbour disturbed, how many rounds were measured again, how many disturbed
    rounds the ratios still hold (where too few undisturbed ones were left)."""
    work = runtime_ratios(block)
    left = int(work["disturbed_in_ratio"].fillna(0).sum()) if "disturbed_in_ratio" in work else 0
    return (
        f"Disturbed runs (waited for a CPU: wall ÷ CPU time {DISTURBED_EXCESS * 100:g} % above the mode's "
        f"lowest): {int(block['disturbed'].sum())}; rounds measured again (summed over the cells): "
        f"{int(work['repeats'].sum())}; "
        f"disturbed rounds left in the ratios: {left}. The low-quantile ratio (JSON summary) is the "
        f"other estimator"
    )


def geomean_cell(row: str, means: pd.Series, basis: GeomeanBasis) -> Cell:
    """A compared row's geometric mean (bold: the lowest of several), or in brackets a row's own
    over the fewer workloads it ran (``basis_geomeans``' ``means``)."""
    if row in basis.apart:
        return Cell(f"({means[row]:.2f}: {listed(basis.apart[row])} only)")
    if row not in means:
        return NOT_RUN
    compared = means[means.index.isin(basis.compared)]
    return Cell(f"{means[row]:.2f}", best=len(compared) > 1 and means[row] == compared.min())


def listed(names: list[str]) -> str:
    """``a, b and c``."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _ratio_text(cell: pd.Series) -> str:
    if cell["ratio_paired"]:
        return paired_ratio_text(cell["ratio"], cell["ratio_low"], cell["ratio_high"], cell["paired_n"])
    return f"{cell['ratio']:.2f} ± {cell['ratio_error']:.2f}"


def paired_ratio_text(ratio: float, low: float, high: float, rounds: float) -> str:
    """A paired ratio as the report's Ratio table and ``compare``'s paired table both print it: the
    geometric mean of the per-round ratios, [its 95 % CI] (n rounds); one round has no interval."""
    interval = "" if math.isnan(low) else f" [{low:.2f}, {high:.2f}]"
    return f"{ratio:.2f}{interval} ({int(rounds)})"


def speedup_table(block: pd.DataFrame) -> Table | None:
    """Each mode that runs a workload's variant (e.g. with the network on the host) against the same
    runtime's modes that run the workload's own program in the same build (``wasmtime:nn+simd``
    against the ``+simd`` modes): how much the variant gains."""
    measured = block[block["mean"].notna()]
    variants = measured[measured["variant"] != ""]
    plain = measured[measured["variant"] == ""]
    pairs = variants.merge(plain, on=["runtime", "workload", "artefact_target"], suffixes=("", "_plain"))
    if pairs.empty:
        return None
    value, error = ratio(pairs["mean_plain"], pairs["stddev_plain"], pairs["mean"], pairs["stddev"])
    speedups = pairs.assign(
        row=pairs["row"] + " over " + pairs["row_plain"], speedup=value, speedup_error=error, failed=0
    )
    return pivot(
        speedups,
        "Speed-up of variants",
        lambda cell: f"{cell['speedup']:.2f}× ± {cell['speedup_error']:.2f}",
        best_by="speedup",
        legend="time of the runtime's mode running the workload's own program ÷ time of the mode "
        "running its variant (> 1: the variant is faster) ± propagated uncertainty",
        warn=False,
        mark_best=False,
    )


def startup_table(block: pd.DataFrame) -> Table | None:
    startup = block[block["workload"].isin(STARTUP_WORKLOADS)]
    if startup.empty:
        return None
    return pivot(
        startup,
        "Start-up (ms)",
        lambda cell: (
            _mean_stddev(cell, 2, scale=1e3)
            + (
                f" ({cell['ratio']:.1f}× native)"
                if pd.notna(cell["ratio"]) and cell["row"] != BASELINE_ROW
                else ""
            )
        ),
        best_by="mean",
        legend="the nop program from start to exit: mean ± stddev (n valid runs)",
    )


def prepare_table(block: pd.DataFrame) -> Table | None:
    prepared = block[block["prepare_s"].notna()]
    if prepared.empty:
        return None
    return pivot(
        prepared,
        "Prepare / compile (ms)",
        lambda cell: f"{cell['prepare_s'] * 1e3:.1f}",
        best_by="prepare_s",
        legend="once per workload and mode, before the runs (e.g. AOT compilation); "
        "a cached preparation shows the time it took when it was made",
        warn=False,
    )


def memory_table(block: pd.DataFrame) -> Table | None:
    measured = block[block["peak_rss_mib"].notna() & (block["peak_rss_mib"] > 0)]
    if measured.empty:
        return None
    return pivot(
        measured,
        "Peak memory (MiB)",
        lambda cell: f"{cell['peak_rss_mib']:.1f}",
        best_by="peak_rss_mib",
        legend="median peak of the valid runs: the process's max RSS (wait4), or for Docker the "
        "container cgroup's peak charge; the embedded modes (wasmtime:embedded*, wasmer:sdk*) run in "
        "a fork of a zygote, so theirs includes a Python interpreter that has imported only the "
        "runtime's package",
        warn=False,
    )


def stopping_table(block: pd.DataFrame) -> Table | None:
    """Why each pair stopped under ``--runs auto`` (absent for a fixed number of runs)."""
    stopped = block[block["stop_reason"].isin(AUTO_STOP_REASONS)]
    if stopped.empty:
        return None
    return pivot(
        stopped,
        "Runs (--runs auto)",
        lambda cell: f"{cell['n']}: {cell['stop_reason']}",
        best_by="n",
        legend="valid runs and why measuring stopped: 95 % CI within the target, max runs or max time",
        warn=False,
        mark_best=False,
    )


def modules_table(block: pd.DataFrame) -> Table | None:
    """Which bytes ran: the sha256 of each build (rows: targets), so hosts can be seen to run the
    same wasm module."""
    built = block[block["artefact_sha256"].notna()].drop_duplicates(["artefact_target", "workload"])
    if built.empty:
        return None
    digests = built.pivot(index="artefact_target", columns="workload", values="artefact_sha256")
    cells = digests.map(lambda digest: Cell(digest[:12]) if isinstance(digest, str) else NOT_RUN)
    return Table(
        "Modules (sha256)",
        list(cells.columns),
        cells.to_dict(orient="index"),
        legend="first 12 hex digits of each program's sha256 per build target; "
        "the same wasm32-wasi digest on two hosts means they ran the same module",
        row_header="target",
    )


def pivot(
    cells: pd.DataFrame,
    title: str,
    text: Callable[[pd.Series], str],
    best_by: str,
    legend: str,
    warn: bool = True,
    mark_best: bool = True,
) -> Table:
    """Rows = runtime (in the order of ``cells``), columns = workload (sorted), a ``Cell`` where a
    runtime ran a workload and "—" elsewhere; ``best_by``'s minimum per column marked when ``mark_best``."""
    measured = (cells["n"] > 0) & cells[best_by].notna()
    lowest = cells[best_by] == cells.groupby("workload")[best_by].transform("min")
    marked = cells.assign(
        measured=measured,
        best=measured & lowest & (mark_best and cells["row"].nunique() > 1),
    )
    grid = (
        marked.assign(cell=marked.apply(lambda cell: _cell(cell, text, warn), axis=1))
        .pivot(index="row", columns="workload", values="cell")
        .reindex(cells["row"].unique())
        .fillna(NOT_RUN)
    )
    return Table(title, list(grid.columns), grid.to_dict(orient="index"), legend)


def _cell(cell: pd.Series, text: Callable[[pd.Series], str], warn: bool) -> Cell:
    """One cell of a table: its text (and its failures), best mark and warnings."""
    body = text(cell) if cell["measured"] else ""
    if cell["failed"]:
        body = f"{body} [{cell['failures']}]".strip()
    warnings = tuple(cell["warnings"]) if warn and cell["measured"] else ()
    return Cell(body or NOT_RUN.text, best=bool(cell["best"]), warnings=warnings)


def _mean_stddev(cell: pd.Series, decimals: int, scale: float) -> str:
    stddev = 0.0 if math.isnan(cell["stddev"]) else cell["stddev"]
    return f"{cell['mean'] * scale:.{decimals}f} ± {stddev * scale:.{decimals}f} ({cell['n']})"


def _decimals(smallest: float) -> int:
    """Enough decimals for three significant digits of the smallest mean, at least three."""
    if not smallest or math.isnan(smallest):
        return 3
    return min(6, max(3, 2 - math.floor(math.log10(smallest))))


def _skipped_lines(skipped: pd.DataFrame) -> list[str]:
    lines = []
    for _, entry in skipped.iterrows():
        hint = f" (install: {entry['hint']})" if entry["hint"] else ""
        lines.append(f"{entry['runtime']}:{entry['mode']} skipped: {entry['reason']}{hint}")
    return lines


def _variant_lines(block: pd.DataFrame) -> list[str]:
    """What each mode that runs a workload's variant runs instead, and how its output was judged;
    a part the result file lacks (an older file: no summary, no validation) is said to be missing
    rather than left as a dangling "validated by"."""
    variants = block[block["variant"] != ""].drop_duplicates(["row", "workload"])
    lines = []
    for _, cell in variants.iterrows():
        summary = f": {cell['variant_summary']}" if cell["variant_summary"] else ""
        validation = cell["validation"] or "a check the result file does not name"
        lines.append(
            f"{cell['row']} runs {cell['workload']} as {cell['variant_source']} ({cell['variant']} "
            f"variant{summary}); validated by {validation}"
        )
    return lines


def _failure_lines(block: pd.DataFrame) -> list[str]:
    failing = block[block["failed"] > 0]
    return [
        f"{cell['workload']} · {cell['row']}: {cell['failures']} of {cell['n'] + cell['failed']} runs "
        f"(not averaged in): {cell['failure_detail']}"
        for _, cell in failing.iterrows()
    ]
