"""Result files -> one tidy pandas frame: a row per measured run, every label as a column.

All tables derive from this frame, so no view of the results depends on which runner made them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

RUN_COLUMNS = [
    "status",
    "wall_ns",
    "user_s",
    "sys_s",
    "max_rss_kib",
    "exit_code",
    "detail",
    "stdout_sha256",
    "summary",
]


def runs_frame(documents: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for document in documents:
        host = _host_labels(document["machine_info"])
        section = document["wasmbench"]
        for entry in [*document["benchmarks"], *section["failed"]]:
            info = entry["extra_info"]
            labels = {
                **host,
                "workload": info["workload"],
                "size": info["size"],
                "runtime": info["runtime"],
                "mode": info["mode"],
                "runtime_title": info.get("runtime_title", info["runtime"]),
            }
            for run in info["runs"]:
                rows.append({**labels, **{column: run.get(column) for column in RUN_COLUMNS}})
    frame = pd.DataFrame(rows, columns=[*_HOST_COLUMNS, *_PAIR_COLUMNS, *RUN_COLUMNS])
    frame["wall_s"] = frame["wall_ns"] / 1e9
    return frame


def skipped_frame(documents: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {**_host_labels(document["machine_info"]), **skipped}
        for document in documents
        for skipped in document["wasmbench"]["skipped"]
    ]
    return pd.DataFrame(rows, columns=[*_HOST_COLUMNS, "runtime", "mode", "reason", "hint"])


_HOST_COLUMNS = ["host", "arch", "cpu_model"]
_PAIR_COLUMNS = ["workload", "size", "runtime", "mode", "runtime_title"]


def _host_labels(machine_info: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": machine_info.get("hostname") or machine_info.get("node", "unknown"),
        "arch": machine_info.get("arch") or machine_info.get("machine", ""),
        "cpu_model": machine_info.get("cpu_model", ""),
    }
