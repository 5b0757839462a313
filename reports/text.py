"""Plain-text tables: seconds as mean ± stddev (n) per runtime by workload, one block per host and size.

Only runs with valid output enter a cell; failed runs are counted beside it, never averaged in.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from wasmbench.reports.frame import runs_frame, skipped_frame


def time_table(documents: list[dict[str, Any]]) -> str:
    frame = runs_frame(documents)
    blocks = []
    for (host, arch, cpu, size), block in frame.groupby(["host", "arch", "cpu_model", "size"], sort=False):
        blocks.append(f"{host} ({arch}, {cpu}) — size {size}, seconds: mean ± stddev (n)\n{_pivot(block)}")
    skipped = skipped_frame(documents)
    for (host, runtime, mode), rows in skipped.groupby(["host", "runtime", "mode"], sort=False):
        blocks.append(f"{host}: {runtime}:{mode} skipped: {rows['reason'].iloc[0]}")
    return "\n\n".join(blocks) if blocks else "no measurements"


def failure_lines(documents: list[dict[str, Any]]) -> list[str]:
    """One line per pair with runs that were not valid, saying what went wrong first."""
    frame = runs_frame(documents)
    failed = frame[frame["status"] != "ok"]
    lines = []
    for (host, workload, size, runtime, mode), runs in failed.groupby(
        ["host", "workload", "size", "runtime", "mode"], sort=False
    ):
        counts = ", ".join(f"{count} {status}" for status, count in runs["status"].value_counts().items())
        lines.append(f"FAILED {host} {workload}/{size} {runtime}:{mode}: {counts}: {runs['detail'].iloc[0]}")
    return lines


def output_lines(documents: list[dict[str, Any]]) -> list[str]:
    """For workloads whose check summarises the output (e.g. the classes an image classifier
    found): what the valid runs printed, and whether every runtime printed the same bytes."""
    frame = runs_frame(documents)
    valid = frame[(frame["status"] == "ok") & (frame["summary"].fillna("") != "")]
    lines = []
    for (host, workload, size), runs in valid.groupby(["host", "workload", "size"], sort=False):
        runs = runs.assign(row=runs["runtime"] + ":" + runs["mode"])
        by_digest = runs.groupby("stdout_sha256", sort=False)["row"].unique().map(_native_first)
        if len(by_digest) == 1:
            agreement = f"identical stdout (sha256 {by_digest.index[0][:12]}…) in {by_digest.iloc[0]}"
        else:
            agreement = "stdout differs: " + "; ".join(
                f"{digest[:12]}… in {rows}" for digest, rows in by_digest.items()
            )
        lines.append(f"{host} {workload}/{size}: {agreement}")
        lines += [f"  {line}" for line in runs["summary"].iloc[0].split("; ")]
    return lines


def _native_first(rows) -> str:
    return ", ".join(sorted(rows, key=_row_order))


def _row_order(row: str) -> tuple[bool, str]:
    return not row.startswith("native:"), row


def _pivot(block: pd.DataFrame) -> str:
    block = block.assign(row=block["runtime"] + ":" + block["mode"])
    cells = (
        block.groupby(["row", "workload"], sort=False).apply(_cell, include_groups=False).unstack("workload")
    )
    rows = sorted(cells.index, key=_row_order)
    table = cells.reindex(index=rows, columns=sorted(block["workload"].unique())).fillna("—")
    return table.rename_axis(index="runtime:mode", columns=None).to_string()


def _cell(runs: pd.DataFrame) -> str:
    valid = runs.loc[runs["status"] == "ok", "wall_s"]
    failed = len(runs) - len(valid)
    text = (
        f"{valid.mean():.4f} ± {valid.std(ddof=1) if len(valid) > 1 else 0:.4f} ({len(valid)})"
        if len(valid)
        else ""
    )
    if failed:
        text = f"{text} [{failed} failed]".strip()
    return text
