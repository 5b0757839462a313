"""Result files -> one tidy pandas frame: a row per measured run, every label as a column.

All tables and charts derive from this frame, so no view of the results depends on which runner
made them. Hosts are told apart by label (``$WASMBENCH_HOST_LABEL``, e.g. the fleet's inventory
name, else the hostname), architecture and CPU model (``host_key``); ``host`` is the name shown,
the label unless two different hosts share it.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import pandas as pd

from wasmbench.execution.interference import beyond_floor, wall_to_cpu
from wasmbench.runtimes.versions import split_version, versioned
from wasmbench.store.schema import Artefact, Measurement, Pair, PairInfo, PairResult, ResultDocument

# A column per field of the stored run (its phase times aside: ``phases_ns.*``).
RUN_COLUMNS = [column for column in Measurement.columns() if column != "phases_ns"]
HOST_COLUMNS = ["host", "host_key", "arch", "cpu_model", "cores", "instance_type"]
PAIR_COLUMNS = ["workload", "size", "runtime", "mode", "runtime_title", "prepare_ns", "stop_reason"]
# What a pair that runs a workload's variant (e.g. wasmtime:nn's wasi-nn program) records about it.
VARIANT_COLUMNS = ["variant", "variant_source", "variant_summary", "validation"]
# Every run's row has these, whether or not its pair has info.
ARTEFACT_COLUMNS = [f"pair.artefact.{field.name}" for field in fields(Artefact)]
# Labels of a table cell: the runs of one pair on one host.
CELL = ["host_key", "size", "workload", "runtime", "mode"]
# Workloads that measure start-up rather than work: reported in their own table, not as a column.
STARTUP_WORKLOADS = ("nop",)


def runs_frame(documents: list[ResultDocument]) -> pd.DataFrame:
    """A row per run (valid or not); nested metadata flattened: ``machine.*``, ``pair.*``, ``phases_ns.*``."""
    rows = []
    for document in documents:
        host = host_labels(document.machine_info)
        for result in document.pairs:
            labels = {**host, **_pair_labels(result), "run_id": document.run_id}
            metadata = {"machine": document.machine_info, "pair": _pair_metadata(result.info)}
            for index, run in enumerate(result.runs):
                rows.append({**labels, "run": index, **run.to_dict(), **metadata})
    frame = pd.json_normalize(rows, sep=".") if rows else pd.DataFrame()
    frame = frame.reindex(columns=_column_order(frame.columns))
    frame["wall_s"] = frame["wall_ns"] / 1e9
    frame["round"] = frame["round"].astype("Int64")  # NA: a run of a suite that did not interleave
    frame["disturbed"] = _disturbed(frame)
    frame["host"] = host_names(frame)
    return frame


def _disturbed(frame: pd.DataFrame) -> pd.Series:
    """Each run's verdict (``execution/interference.py``), judged among its pair's runs of its suite."""
    ratios = pd.Series(
        [
            wall_to_cpu(wall_ns / 1e9, user_s + sys_s) if status == "ok" else None
            for wall_ns, user_s, sys_s, status in frame[["wall_ns", "user_s", "sys_s", "status"]].itertuples(
                index=False
            )
        ],
        index=frame.index,
        dtype=object,
    )
    pairs = ratios.groupby([frame[column] for column in ["run_id", *CELL]], sort=False, dropna=False)
    return pairs.transform(lambda runs: pd.Series(beyond_floor(runs.tolist()), index=runs.index)).astype(bool)


def skipped_frame(documents: list[ResultDocument]) -> pd.DataFrame:
    rows = [
        {**host_labels(document.machine_info), **asdict(skipped)}
        for document in documents
        for skipped in document.skipped
    ]
    frame = pd.DataFrame(rows, columns=[*HOST_COLUMNS, "runtime", "mode", "reason", "hint"])
    return frame.drop_duplicates(["host_key", "runtime", "mode"])


def missing_frame(documents: list[ResultDocument]) -> pd.DataFrame:
    """A row per pair an unfinished suite has not finished (its rounds stopped short, or it has no
    run at all)."""
    rows = [
        {**host_labels(document.machine_info), **asdict(Pair.from_key(key))}
        for document in documents
        for key in document.unfinished
    ]
    return pd.DataFrame(rows, columns=[*HOST_COLUMNS, "workload", "size", "runtime", "mode"])


def row_label(runtime: str, mode: str) -> str:
    """``native`` for a runtime's only mode, ``runtime:mode`` otherwise: the names the CLI takes
    (``node@20.18.0``, ``wasmtime:embedded@38.0.0`` for a version the user chose)."""
    name, version = split_version(mode)
    return versioned(runtime, version) if name == "default" else f"{runtime}:{mode}"


def _pair_labels(result: PairResult) -> dict[str, Any]:
    """The pair's columns; a pair whose preparation failed has no info (its runtime is its title)."""
    info = result.info
    return {
        **asdict(result.pair),
        "runtime_title": info.runtime_title if info else result.pair.runtime,
        "prepare_ns": info.prepare_ns if info else None,
        "stop_reason": result.stop_reason,
        **{column: getattr(info, column) if info else "" for column in VARIANT_COLUMNS},
    }


def _pair_metadata(info: PairInfo | None) -> dict[str, Any]:
    """The rest of the pair's info, for the ``pair.*`` columns."""
    if info is None:
        return {}
    return {key: value for key, value in asdict(info).items() if key not in PAIR_COLUMNS + VARIANT_COLUMNS}


def _column_order(columns: pd.Index) -> list[str]:
    leading = [
        *HOST_COLUMNS,
        *PAIR_COLUMNS,
        *VARIANT_COLUMNS,
        "run_id",
        "run",
        *RUN_COLUMNS,
        *ARTEFACT_COLUMNS,
    ]
    return [*leading, *sorted(column for column in columns if column not in leading)]


def host_labels(machine_info: dict[str, Any]) -> dict[str, Any]:
    label, arch, cpu = machine_info["label"], machine_info["arch"], machine_info["cpu_model"]
    if machine_info.get("emulated"):
        # never to be read as that architecture's hardware
        arch = f"{arch} emulated on {machine_info.get('host_arch') or 'another architecture'}"
    return {
        "host": label,
        "host_key": f"{label} | {arch} | {cpu}",
        "arch": arch,
        "cpu_model": cpu,
        "cores": machine_info["cores"],
        "instance_type": machine_info["instance_type"],
    }


def host_names(frame: pd.DataFrame) -> pd.Series:
    """The hostname, with the architecture (then the CPU) added where hostnames clash."""
    keys = frame.drop_duplicates("host_key")
    names = dict(zip(keys["host_key"], keys["host"], strict=True))
    for detail in ("arch", "cpu_model"):
        clashing = pd.Series(names).duplicated(keep=False)
        for key in clashing[clashing].index:
            names[key] = f"{names[key]} ({keys.set_index('host_key').at[key, detail]})"
    return frame["host_key"].map(names)
