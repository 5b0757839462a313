"""What workloads with a summarising check printed (e.g. the classes the image classifier found),
and whether every runtime printed the same bytes: the evidence that native and wasm agree.

A mode whose output is judged by its labels only (a variant computing in other precision, e.g.
wasmtime:nn) prints other bytes by design: it is said to match by its classes, never to differ."""

from __future__ import annotations

import pandas as pd
from packaging.version import Version

from wasmbench.build.checks import LABELS_ONLY
from wasmbench.reports.frame import row_label, runs_frame
from wasmbench.runtimes.versions import version_order
from wasmbench.store.schema import ResultDocument


def output_lines(documents: list[ResultDocument]) -> list[str]:
    frame = runs_frame(documents)
    if frame.empty:
        return []
    valid = frame[(frame["status"] == "ok") & (frame["summary"].fillna("") != "")]
    lines = []
    for (host, workload, size), runs in valid.groupby(["host", "workload", "size"], sort=False):
        rows = runs.assign(row=[row_label(r, m) for r, m in zip(runs["runtime"], runs["mode"], strict=True)])
        lines.append(f"{host} {workload}/{size}: {_agreement(rows)}")
        summaries = rows.groupby("summary", sort=False)["row"].unique()
        indent = "    " if len(summaries) > 1 else "  "
        for summary, labels in summaries.items():
            if len(summaries) > 1:  # e.g. a variant computing in other precision: say who printed what
                lines.append(f"  {', '.join(sorted(labels, key=_native_first))}:")
            lines += [f"{indent}{line}" for line in summary.split("; ")]
    return lines


def _agreement(rows: pd.DataFrame) -> str:
    """Whether the byte-checked rows printed the same stdout; the labels-only rows, that their classes
    matched (their runs are valid, so their check passed)."""
    labels_only = rows["validation"] == LABELS_ONLY
    parts = []
    by_digest = rows[~labels_only].groupby("stdout_sha256", sort=False)["row"].unique()
    described = {digest: _names(names) for digest, names in by_digest.items()}
    if len(described) == 1:
        [(digest, names)] = described.items()
        parts.append(f"identical stdout (sha256 {digest[:12]}…) in {names}")
    elif described:
        parts.append(
            "stdout differs: " + "; ".join(f"{d[:12]}… in {names}" for d, names in described.items())
        )
    if labels_only.any():
        parts.append(f"classes match (labels-only check) in {_names(rows.loc[labels_only, 'row'].unique())}")
    return "; ".join(parts)


def _names(rows) -> str:
    return ", ".join(sorted(rows, key=_native_first))


def _native_first(label: str) -> tuple[bool, str, Version]:
    """Native first, then by name, a mode's versions in release order."""
    return label != "native", *version_order(label)
