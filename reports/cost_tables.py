"""The price-performance views, format-free: cost tables per host block and the report's
Price-performance section (the cheapest host and runtime per workload, the hosts without a price).

The numbers come from ``cost.with_costs``; this module only words and lays them out.
"""

from __future__ import annotations

import math

import pandas as pd

from wasmbench.reports.cost import MIB_PER_GB, Serverless, cheapest, unpriced_hosts
from wasmbench.reports.tables import BlockTable, Section, Table, pivot

PRICE_HINT = (
    "set wasmbench_price_per_hour in the fleet inventory ($WASMBENCH_PRICE_PER_HOUR) or give --prices FILE"
)


def money(value: float) -> str:
    """Three significant digits without an exponent: 23.6, 0.00236, 83,333."""
    decimals = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 2
    return f"{value:,.{decimals}f}"


def cost_tables(serverless: Serverless | None) -> list[BlockTable]:
    """The cost tables of a host block: whole instance and per vCPU, and serverless when a tariff is given."""
    tables = [_instance_cost_table, _vcpu_cost_table]
    return [*tables, _serverless_cost_table(serverless)] if serverless else tables


def _instance_cost_table(block: pd.DataFrame) -> Table | None:
    return _cost_table(block, "instance_cost", "whole instance", "", "one run at a time")


def _vcpu_cost_table(block: pd.DataFrame) -> Table | None:
    if block["vcpu_cost"].isna().all():  # no price, or no vCPU count
        return None
    return _cost_table(
        block,
        "vcpu_cost",
        "per vCPU",
        f" ÷ {block['cores'].iloc[0]:g} vCPUs",
        "one run per core, as a function platform packs them",
    )


def _serverless_cost_table(serverless: Serverless) -> BlockTable:
    step, price = serverless.memory_step_mib, serverless.gb_second_price

    def table(block: pd.DataFrame) -> Table | None:
        billed = block[block["serverless_cost"].notna()]
        if billed.empty:
            return None
        return pivot(
            billed,
            "Serverless cost per million runs",
            lambda cell: f"{money(cell['serverless_cost'])} ({cell['billed_mib']:.0f} MiB)",
            best_by="serverless_cost",
            legend=f"ceil(peak MiB ÷ {step}) × {step} MiB ÷ {MIB_PER_GB} × mean wall s × {price:g} "
            "per GB-s (in the currency of --gb-second-price) × 10⁶, billed memory in brackets; peak: the "
            "Peak memory table's (embedded modes: a process forked from a zygote holding only the "
            "runtime's package; Docker: the container's cgroup); bold: cheapest per workload on this host",
            warn=False,
        )

    return table


def price_section(costs: pd.DataFrame, prices: pd.DataFrame) -> Section:
    """The cheapest (host, runtime) per workload across hosts, and which hosts had no price."""
    winners = cheapest(costs)
    lines = [
        f"{cell['workload']}/{cell['size']}: {cell['host']} · {cell['row']} — {money(cell['vcpu_cost'])} "
        f"{cell['currency']} per million runs per vCPU (whole instance {money(cell['instance_cost'])})"
        for _, cell in winners.iterrows()
    ]
    unpriced = [f"{host}: {PRICE_HINT}" for host in unpriced_hosts(prices)]
    notes = [
        ("Cheapest per workload", "lowest cost per million runs per vCPU over every host and runtime", lines),
        ("No price, no cost shown", "", unpriced),
    ]
    return Section("Price-performance", [note for note in notes if note[2]])


def _cost_table(block: pd.DataFrame, column: str, basis: str, divisor: str, meaning: str) -> Table | None:
    priced = block[block[column].notna()]
    if priced.empty:
        return None
    first = priced.iloc[0]
    return pivot(
        priced,
        f"Cost per million runs, {basis} ({first['currency']})",
        lambda cell: money(cell[column]),
        best_by=column,
        legend=f"mean wall s × {first['per_hour']:g} {first['currency']}/h ({first['price_source']}) ÷ 3600 "
        f"× 10⁶{divisor}: {meaning}; bold: cheapest per workload on this host",
        warn=False,
    )
