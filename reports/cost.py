"""Price-performance: what a million runs of each cell cost, on its instance and as a function.

Costs are derived from the cell summaries (mean wall time, the memory table's peak) and a price per
host, never from anything the runs did not measure:

- whole instance: mean wall s × price per hour ÷ 3600 × 10⁶ — one run at a time;
- per vCPU: that ÷ the host's vCPUs (machine info ``cores``) — one run per core, as a function
  platform packs them; the cheapest (host, runtime) per workload is chosen on this one;
- serverless: ceil(peak MiB ÷ step) × step ÷ 1024 GB × mean wall s × price per GB-s × 10⁶ — what a
  platform billing memory × duration would charge for the same run.

A host without a price gets no cost (NaN), and costs in different currencies are never compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wasmbench.errors import WasmbenchError
from wasmbench.host.prices import Price

SECONDS_PER_HOUR = 3600
RUNS = 1_000_000  # costs are per million runs
MIB_PER_GB = 1024  # function platforms bill GB-seconds of 1024 MB (MiB)
# Where a host's price came from, as the tables' legends name it.
FROM_MACHINE_INFO = "inventory / environment"
FROM_PRICES_FILE = "--prices"
Amount = float | pd.Series  # a number, or a column of them


@dataclass(frozen=True)
class Serverless:
    """A function platform's tariff: memory × duration, memory billed in whole steps."""

    gb_second_price: float
    memory_step_mib: int = 128

    def __post_init__(self) -> None:
        if not self.gb_second_price > 0 or not self.memory_step_mib > 0:
            raise WasmbenchError("--gb-second-price and --memory-step must be positive")


def host_prices(frame: pd.DataFrame, given: Mapping[str, Price]) -> pd.DataFrame:
    """Per ``host_key``: host, vCPUs, price per hour, currency and its source (NaN price when none).

    A price in ``given`` (the ``--prices`` file, by the host name the report shows) overrides the
    one the machine info recorded.
    """
    recorded = (
        frame.reindex(
            columns=["host_key", "host", "cores", "machine.price.per_hour", "machine.price.currency"]
        )
        .groupby("host_key", sort=False)
        .first()
        .rename(columns={"machine.price.per_hour": "per_hour", "machine.price.currency": "currency"})
    )
    recorded["price_source"] = np.where(recorded["per_hour"].notna(), FROM_MACHINE_INFO, "")
    listed = pd.DataFrame(
        [(host, price.per_hour, price.currency, FROM_PRICES_FILE) for host, price in given.items()],
        columns=["host", "per_hour", "currency", "price_source"],
    )
    overrides = recorded[["host"]].reset_index().merge(listed, on="host").set_index("host_key")
    return overrides.combine_first(recorded).reindex(recorded.index)


def with_costs(cells: pd.DataFrame, prices: pd.DataFrame, serverless: Serverless | None) -> pd.DataFrame:
    """The cells with their price and cost columns: ``instance_cost``, ``vcpu_cost`` (and its
    ``vcpu_cost_error`` from the stddev), ``billed_mib`` and ``serverless_cost`` (NaN where unknown)."""
    priced = cells.join(prices[["per_hour", "currency", "price_source"]], on="host_key")
    billed = np.nan
    serverless_cost = np.nan
    if serverless is not None:
        peak = priced["peak_rss_mib"].where(priced["peak_rss_mib"] > 0)
        billed = np.ceil(peak / serverless.memory_step_mib) * serverless.memory_step_mib
        serverless_cost = billed / MIB_PER_GB * priced["mean"] * serverless.gb_second_price * RUNS
    return priced.assign(
        instance_cost=cost_per_million(priced["mean"], priced["per_hour"]),
        vcpu_cost=cost_per_million(priced["mean"], priced["per_hour"], priced["cores"]),
        vcpu_cost_error=cost_per_million(priced["stddev"].fillna(0), priced["per_hour"], priced["cores"]),
        billed_mib=billed,
        serverless_cost=serverless_cost,
    )


def cost_per_million(seconds: Amount, per_hour: Amount, vcpus: Amount = 1) -> Amount:
    """A million runs of ``seconds`` each on an instance at ``per_hour``, ``vcpus`` runs at a time
    (scalars or columns alike)."""
    return seconds * per_hour / SECONDS_PER_HOUR * RUNS / vcpus


def cheapest(costs: pd.DataFrame) -> pd.DataFrame:
    """Per size, workload and currency, the cell with the lowest cost per vCPU across every host."""
    priced = costs[costs["vcpu_cost"].notna()]
    if priced.empty:
        return priced
    winners = priced.groupby(["size", "workload", "currency"], sort=True)["vcpu_cost"].idxmin()
    return priced.loc[winners.to_numpy()]


def unpriced_hosts(prices: pd.DataFrame) -> list[str]:
    return prices.loc[prices["per_hour"].isna(), "host"].tolist()
