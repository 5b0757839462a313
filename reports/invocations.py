"""The Invocations section: ``wasmbench invoke``'s measurements, a block per host and size.

Figures, per runtime mode and serving path (``warm``: a host holding the module, a fresh instance
per invocation; ``cold``: a process or container per invocation):

- cold start p50/p99: starting a host (the cold path: sending the request) to its first valid
  response, over the cold starts that answered right;
- warm latency p50/p90/p99/p99.9/max at each concurrency: hey's per-request latencies through
  the HTTP front, of 200 responses only; errors (any other status, or none) are counted beside;
- req/s (and per core): the 200 responses over the load run's span; the best level's in the
  summary table;
- memory per instance: the slope of the warm hosts' summed resident memory over 1 … K instances
  (``scipy.stats.linregress``); the cold path's: a run's peak resident memory; instances per GiB
  follow from it;
- cost per million invocations: per instance-hour (the host's price ÷ 3600 ÷ the best req/s ×
  10⁶) and, with a serverless tariff, GB-seconds (the host's peak memory billed in steps ×
  the mean warm latency at concurrency 1, or the cold start's median on the cold path).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import linregress

from wasmbench.host.prices import Price
from wasmbench.reports.cost import MIB_PER_GB, RUNS, Serverless, cost_per_million, host_prices
from wasmbench.reports.cost_tables import money
from wasmbench.reports.frame import host_labels, host_names, row_label
from wasmbench.reports.summary import row_order
from wasmbench.reports.tables import NOT_RUN, Cell, HostBlock, Table
from wasmbench.store.schema import InvocationResult, ResultDocument

MIB = 2**20
GIB_MIB = 1024
PERCENTILES = {"p50": 50, "p90": 90, "p99": 99, "p99.9": 99.9}
# The headline: the reference talk's function under a container platform's cold and warm paths
# and the warm WebAssembly hosts.
HEADLINE_WORKLOAD = "inference"
HEADLINE_CONTAINER = ("docker:run", "docker:exec")
WASM_RUNTIMES = ("wasmtime", "wasmer", "wasmedge", "node", "wamr", "wavm", "wasm3")
MACHINE_PRICE = ["machine.price.per_hour", "machine.price.currency"]


def unit_label(runtime: str, mode: str, path: str) -> str:
    return f"{row_label(runtime, mode)} ({path})"


def invocation_frames(documents: list[ResultDocument]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A row per served unit (host, pair, path) with its cold start, memory and best throughput,
    and a row per (unit, concurrency) with its latency percentiles, throughput and errors."""
    units, loads = [], []
    for document in documents:
        host = {**host_labels(document.machine_info), **_machine_price(document.machine_info)}
        for result in document.invocations:
            labels = {
                **host,
                **result.pair.__dict__,
                "path": result.path,
                "row": row_label(result.pair.runtime, result.pair.mode),
                "unit": unit_label(result.pair.runtime, result.pair.mode, result.path),
            }
            unit_loads = [{**labels, **_load_summary(run, host["cores"])} for run in result.loads]
            loads += unit_loads
            units.append({**labels, **_unit_summary(result, unit_loads)})
    unit_frame, load_frame = pd.DataFrame(units), pd.DataFrame(loads)
    for frame in (unit_frame, load_frame):
        if not frame.empty:
            frame["host"] = host_names(frame)
    return unit_frame, load_frame


def _machine_price(machine: Mapping) -> dict:
    price = machine.get("price") or {}
    return {"machine.price.per_hour": price.get("per_hour"), "machine.price.currency": price.get("currency")}


def _unit_summary(result: InvocationResult, loads: list[dict]) -> dict:
    valid = [start for start in result.cold_starts if start.status == "ok"]
    cold = np.array([start.wall_ns for start in valid], dtype=float) / 1e9
    peak = max((start.peak_rss_bytes for start in valid), default=0) / MIB
    slope = _memory_slope(result)
    per_instance = slope if result.path == "warm" else peak
    at_one = [load for load in loads if load["concurrency"] == 1]
    best = max(loads, key=lambda load: load["rps"], default=None)
    return {
        "cold_n": len(result.cold_starts),
        "cold_failed": len(result.cold_starts) - len(valid),
        "cold_p50_s": np.percentile(cold, 50) if cold.size else math.nan,
        "cold_p99_s": np.percentile(cold, 99) if cold.size else math.nan,
        "peak_mib": peak or math.nan,
        "instance_mib": per_instance if per_instance and per_instance > 0 else math.nan,
        "memory_points": len(result.memory),
        "warm_mean_s": at_one[0]["mean_s"] if at_one else math.nan,
        "best_rps": best["rps"] if best else math.nan,
        "best_rps_per_core": best["rps_per_core"] if best else math.nan,
        **{f"{name}_c{load['concurrency']}": load[f"{name}_s"] for load in loads for name in ("p50", "p99")},
    }


def _memory_slope(result: InvocationResult) -> float:
    """MiB per more warm instance: the slope of the summed resident memory over the instances."""
    if len(result.memory) < 2:
        return math.nan
    fit = linregress(
        [point.instances for point in result.memory], [point.rss_bytes for point in result.memory]
    )
    return fit.slope / MIB


def _load_summary(run, cores: int) -> dict:
    latencies = np.array(run.latencies_ns, dtype=float) / 1e9
    errors = sum(run.errors.values())
    rps = len(latencies) / run.duration_s if run.duration_s > 0 else math.nan
    summary = {
        f"{name}_s": np.percentile(latencies, q) if latencies.size else math.nan
        for name, q in PERCENTILES.items()
    }
    return {
        "concurrency": run.concurrency,
        "instances": run.instances,
        "requests": run.requests,
        "ok": len(latencies),
        **summary,
        "max_s": latencies.max() if latencies.size else math.nan,
        "mean_s": latencies.mean() if latencies.size else math.nan,
        "rps": rps,
        "rps_per_core": rps / cores if cores else math.nan,
        "error_rate": errors / run.requests if run.requests else math.nan,
        "errors": ", ".join(f"{status} × {count}" for status, count in sorted(run.errors.items())),
        "host_rss_mib": run.host_rss_bytes / MIB if run.host_rss_bytes else math.nan,
        "latencies_s": latencies,
        "detail": run.detail,
    }


def with_invocation_costs(
    units: pd.DataFrame, prices: Mapping[str, Price], serverless: Serverless | None
) -> pd.DataFrame:
    """The units with ``instance_hour_cost`` (the best throughput on the host's price) and
    ``gb_second_cost`` (with a tariff: the peak memory billed × the invocation's duration)."""
    hosts = host_prices(units, prices)
    priced = units.join(hosts[["per_hour", "currency"]], on="host_key")
    priced["instance_hour_cost"] = cost_per_million(1 / priced["best_rps"], priced["per_hour"])
    priced["billed_mib"] = math.nan
    priced["gb_second_cost"] = math.nan
    if serverless is not None:
        step = serverless.memory_step_mib
        duration = priced["warm_mean_s"].where(priced["path"] == "warm", priced["cold_p50_s"])
        priced["billed_mib"] = np.ceil(priced["peak_mib"] / step) * step
        priced["gb_second_cost"] = (
            priced["billed_mib"] / MIB_PER_GB * duration * serverless.gb_second_price * RUNS
        )
    return priced


def invocation_blocks(
    documents: list[ResultDocument],
    prices: Mapping[str, Price] | None = None,
    serverless: Serverless | None = None,
) -> list[HostBlock]:
    """An Invocations block per host and size: a summary table per workload, the headline rows
    (the inference function) and the latency under load."""
    units, loads = invocation_frames(documents)
    return blocks_of(units, loads, prices or {}, serverless)


def blocks_of(
    units: pd.DataFrame, loads: pd.DataFrame, prices: Mapping[str, Price], serverless: Serverless | None
) -> list[HostBlock]:
    """``invocation_blocks`` of frames made already (``invocation_frames``)."""
    if units.empty:
        return []
    units = with_invocation_costs(units, prices, serverless)
    blocks = []
    for (host_key, size), block in units.groupby(["host_key", "size"], sort=False):
        block = block.sort_values("unit", key=lambda labels: labels.map(unit_order), kind="stable")
        block_loads = (
            loads[(loads["host_key"] == host_key) & (loads["size"] == size)] if not loads.empty else loads
        )
        first = block.iloc[0]
        tables = [
            summary_table(block[block["workload"] == workload], workload)
            for workload in block["workload"].unique()
        ]
        headline = headline_table(block)
        tables += [headline] if headline else []
        tables += [
            latency_table(block_loads, workload)
            for workload in block_loads.get("workload", pd.Series()).unique()
        ]
        blocks.append(
            HostBlock(
                host=first["host"],
                size=size,
                heading=f"Invocations — {first['host']} ({first['arch']}) — size {size}",
                tables=tables,
                failures=_failures(block, block_loads),
            )
        )
    return blocks


def unit_order(label: str) -> tuple:
    """The report's order of runtime modes (native first), warm before cold within a mode."""
    row, _, path = label.rpartition(" (")
    return (*row_order(row), path != "warm)")


def summary_table(units: pd.DataFrame, workload: str) -> Table:
    """A row per served unit: cold start, latency under load at each concurrency, throughput,
    memory and cost."""
    levels = sorted({int(column.removeprefix("p50_c")) for column in units if column.startswith("p50_c")})
    currency = next(iter(units["currency"].dropna()), "")
    columns: dict[str, Callable[[pd.Series], str]] = {
        "cold p50": lambda unit: _ms(unit["cold_p50_s"]),
        "cold p99": lambda unit: _ms(unit["cold_p99_s"]),
    }
    for level in levels:
        columns[f"p50 c={level}"] = lambda unit, level=level: _ms(unit[f"p50_c{level}"])
        columns[f"p99 c={level}"] = lambda unit, level=level: _ms(unit[f"p99_c{level}"])
    columns |= {
        "req/s per core": lambda unit: _number(unit["best_rps_per_core"]),
        "peak MiB": lambda unit: _number(unit["peak_mib"]),
        "MiB per instance": lambda unit: _number(unit["instance_mib"]),
        "instances per GiB": lambda unit: _number(GIB_MIB / unit["instance_mib"]),
        f"cost/M instance-hour {currency}".strip(): lambda unit: _money(unit["instance_hour_cost"]),
    }
    if units["gb_second_cost"].notna().any():
        columns[f"cost/M GB-s {currency}".strip()] = lambda unit: _money(unit["gb_second_cost"])
    rows = {
        unit["unit"]: {name: Cell(text(unit)) for name, text in columns.items()}
        for _, unit in units.iterrows()
    }
    return Table(
        f"Invocations: {workload} (ms)",
        list(columns),
        rows,
        legend="cold: a fresh host (cold path: a fresh process or container) to its first valid response, "
        "timed in-process without the HTTP front; p50/p99 c=N: latency through the HTTP front under hey "
        "with N concurrent clients, on the path in brackets; req/s per core at the best concurrency; "
        "peak MiB: the host's peak resident memory at its first response (cold path: the run's); "
        "MiB per instance: the slope of K warm hosts' resident memory (cold path: a run's peak); "
        "cost per million invocations: the host's price per hour ÷ 3600 ÷ req/s × 10⁶, and GB-s: "
        "the host's peak memory billed × the mean latency at c=1 (cold path: the cold start's p50)",
        row_header="mode (path)",
    )


def headline_table(block: pd.DataFrame) -> Table | None:
    """The inference function under docker:run (cold), docker warm, and the warm wasm hosts."""
    inference = block[block["workload"] == HEADLINE_WORKLOAD]
    chosen = inference[
        ((inference["row"] == HEADLINE_CONTAINER[0]) & (inference["path"] == "cold"))
        | ((inference["row"] == HEADLINE_CONTAINER[1]) & (inference["path"] == "warm"))
        | (inference["runtime"].isin(WASM_RUNTIMES) & (inference["path"] == "warm"))
    ]
    if chosen.empty:
        return None
    table = summary_table(chosen, HEADLINE_WORKLOAD)
    return Table(
        f"Headline: the {HEADLINE_WORKLOAD} function",
        table.columns,
        table.rows,
        table.legend,
        table.row_header,
    )


def latency_table(loads: pd.DataFrame, workload: str) -> Table:
    rows = {}
    for _, load in loads[loads["workload"] == workload].sort_values(["unit", "concurrency"]).iterrows():
        rows[f"{load['unit']} c={load['concurrency']}"] = {
            **{name: Cell(_ms(load[f"{name}_s"])) for name in PERCENTILES},
            "max": Cell(_ms(load["max_s"])),
            "req/s": Cell(_number(load["rps"])),
            "req/s per core": Cell(_number(load["rps_per_core"])),
            "errors": Cell(f"{load['error_rate']:.1%}" if load["error_rate"] > 0 else "0"),
        }
    return Table(
        f"Latency under load: {workload} (ms)",
        [*PERCENTILES, "max", "req/s", "req/s per core", "errors"],
        rows,
        legend="hey's per-request latencies of 200 responses (resolution 0.1 ms), c concurrent clients; "
        "errors: the share of requests without a valid response, never in a latency",
        row_header="mode (path), concurrency",
    )


def _failures(units: pd.DataFrame, loads: pd.DataFrame) -> list[str]:
    lines = [
        f"{unit['workload']} · {unit['unit']}: {unit['cold_failed']} of {unit['cold_n']} cold starts failed"
        for _, unit in units.iterrows()
        if unit["cold_failed"]
    ]
    if not loads.empty:
        lines += [
            f"{load['workload']} · {load['unit']} c={load['concurrency']}: {load['errors']}"
            + (f" ({load['detail']})" if load["detail"] else "")
            for _, load in loads.iterrows()
            if load["errors"]
        ]
    return lines


def _ms(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return NOT_RUN.text
    milliseconds = seconds * 1000
    return f"{milliseconds:.3g}" if milliseconds < 100 else f"{milliseconds:,.0f}"


def _number(value: float) -> str:
    if value is None or math.isnan(value) or math.isinf(value):
        return NOT_RUN.text
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def _money(value: float) -> str:
    return NOT_RUN.text if value is None or math.isnan(value) else money(value)
