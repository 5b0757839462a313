"""Result files -> one tidy pandas frame: a row per measured run, every label as a column.

All tables and charts derive from this frame, so no view of the results depends on which runner
made them. Hosts are told apart by label (``$WASMBENCH_HOST_LABEL``, e.g. the fleet's inventory
name, else the hostname), architecture and CPU model (``host_key``); ``host`` is the name shown,
the label unless two different hosts share it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from wasmbench.measuring.plan import Pair

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
    "round",
    "layout_padding",
]
HOST_COLUMNS = ["host", "host_key", "arch", "cpu_model", "cores", "instance_type"]
PAIR_COLUMNS = ["workload", "size", "runtime", "mode", "runtime_title", "prepare_ns", "stop_reason"]
# What a pair that runs a workload's variant (e.g. wasmtime:nn's wasi-nn program) records about it.
VARIANT_COLUMNS = ["variant", "variant_source", "variant_summary", "validation"]
# Labels of a table cell: the runs of one pair on one host.
CELL = ["host_key", "size", "workload", "runtime", "mode"]
# Workloads that measure start-up rather than work: reported in their own table, not as a column.
STARTUP_WORKLOADS = ("nop",)


def runs_frame(documents: list[dict[str, Any]]) -> pd.DataFrame:
    """A row per run (valid or not); nested metadata flattened: ``machine.*``, ``pair.*``, ``phases_ns.*``."""
    rows = []
    for document in documents:
        machine = document.get("machine_info", {})
        host = _host_labels(machine)
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
                "prepare_ns": info.get("prepare_ns"),
                "stop_reason": info.get("stop_reason", ""),
                **{column: info.get(column, "") for column in VARIANT_COLUMNS},
                "run_id": section.get("run_id"),
            }
            metadata = {
                "machine": machine,
                "pair": {key: value for key, value in info.items() if key not in labels and key != "runs"},
            }
            for index, run in enumerate(info["runs"]):
                fields = {column: run.get(column) for column in RUN_COLUMNS}
                rows.append(
                    {**labels, "run": index, **fields, "phases_ns": run.get("phases_ns") or {}, **metadata}
                )
    frame = pd.json_normalize(rows, sep=".") if rows else pd.DataFrame()
    frame = frame.reindex(columns=_column_order(frame.columns))
    frame["wall_s"] = frame["wall_ns"] / 1e9
    frame["round"] = frame["round"].astype("Int64")  # absent (NA) in files from before rounds
    frame["host"] = _host_names(frame)
    return frame


def skipped_frame(documents: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {**_host_labels(document.get("machine_info", {})), **skipped}
        for document in documents
        for skipped in document["wasmbench"]["skipped"]
    ]
    frame = pd.DataFrame(rows, columns=[*HOST_COLUMNS, "runtime", "mode", "reason", "hint"])
    return frame.drop_duplicates(["host_key", "runtime", "mode"])


def missing_frame(documents: list[dict[str, Any]]) -> pd.DataFrame:
    """A row per pair an unfinished suite has not finished: ``wasmbench.unfinished`` (its rounds
    stopped short, or it has no run at all); files written before that key: ``not_measured``."""
    rows = [
        {**_host_labels(document.get("machine_info", {})), **asdict(Pair.from_key(key))}
        for document in documents
        for key in document["wasmbench"].get("unfinished", document["wasmbench"].get("not_measured", []))
    ]
    return pd.DataFrame(rows, columns=[*HOST_COLUMNS, "workload", "size", "runtime", "mode"])


def row_label(runtime: str, mode: str) -> str:
    """``native`` for a runtime's only mode, ``runtime:mode`` otherwise: the names the CLI takes."""
    return runtime if mode == "default" else f"{runtime}:{mode}"


def _column_order(columns: pd.Index) -> list[str]:
    leading = [*HOST_COLUMNS, *PAIR_COLUMNS, *VARIANT_COLUMNS, "run_id", "run", *RUN_COLUMNS]
    return [*leading, *sorted(column for column in columns if column not in leading)]


def _host_labels(machine_info: dict[str, Any]) -> dict[str, Any]:
    hostname = (
        machine_info.get("label") or machine_info.get("hostname") or machine_info.get("node") or "unknown"
    )
    arch = machine_info.get("arch") or machine_info.get("machine") or ""
    if machine_info.get("emulated"):
        # never to be read as that architecture's hardware
        arch = f"{arch} emulated on {machine_info.get('host_arch') or 'another architecture'}"
    cpu = machine_info.get("cpu_model") or (machine_info.get("cpu") or {}).get("brand_raw", "")
    return {
        "host": hostname,
        "host_key": f"{hostname} | {arch} | {cpu}",
        "arch": arch,
        "cpu_model": cpu,
        "cores": machine_info.get("cores") or (machine_info.get("cpu") or {}).get("count"),
        "instance_type": machine_info.get("instance_type", ""),
    }


def _host_names(frame: pd.DataFrame) -> pd.Series:
    """The hostname, with the architecture (then the CPU) added where hostnames clash."""
    keys = frame.drop_duplicates("host_key")
    names = dict(zip(keys["host_key"], keys["host"], strict=True))
    for detail in ("arch", "cpu_model"):
        clashing = pd.Series(names).duplicated(keep=False)
        for key in clashing[clashing].index:
            names[key] = f"{names[key]} ({keys.set_index('host_key').at[key, detail]})"
    return frame["host_key"].map(names)
