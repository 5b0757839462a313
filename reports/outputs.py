"""What workloads with a summarising check printed (e.g. the classes the image classifier found),
and whether every runtime printed the same bytes: the evidence that native and wasm agree."""

from __future__ import annotations

from wasmbench.reports.frame import row_label, runs_frame
from wasmbench.store.schema import ResultDocument


def output_lines(documents: list[ResultDocument]) -> list[str]:
    frame = runs_frame(documents)
    if frame.empty:
        return []
    valid = frame[(frame["status"] == "ok") & (frame["summary"].fillna("") != "")]
    lines = []
    for (host, workload, size), runs in valid.groupby(["host", "workload", "size"], sort=False):
        rows = runs.assign(row=[row_label(r, m) for r, m in zip(runs["runtime"], runs["mode"], strict=True)])
        by_digest = rows.groupby("stdout_sha256", sort=False)["row"].unique()
        described = {digest: ", ".join(sorted(rows, key=_native_first)) for digest, rows in by_digest.items()}
        if len(described) == 1:
            [(digest, labels)] = described.items()
            agreement = f"identical stdout (sha256 {digest[:12]}…) in {labels}"
        else:
            differing = [f"{digest[:12]}… in {labels}" for digest, labels in described.items()]
            agreement = "stdout differs: " + "; ".join(differing)
        lines.append(f"{host} {workload}/{size}: {agreement}")
        summaries = rows.groupby("summary", sort=False)["row"].unique()
        indent = "    " if len(summaries) > 1 else "  "
        for summary, labels in summaries.items():
            if len(summaries) > 1:  # e.g. a variant computing in other precision: say who printed what
                lines.append(f"  {', '.join(sorted(labels, key=_native_first))}:")
            lines += [f"{indent}{line}" for line in summary.split("; ")]
    return lines


def _native_first(label: str) -> tuple[bool, str]:
    return label != "native", label
