"""``compare``'s cost lines: what a million runs of each matched pair cost on A and on B.

Shown only when both sides have a price: per vCPU, like the report's "Cheapest per workload", so
two instance types of different sizes compare by what one run occupies.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from wasmbench.host.prices import Price
from wasmbench.reports.cost import cost_per_million, host_prices
from wasmbench.reports.cost_tables import money
from wasmbench.reports.markdown import table_lines


def render_costs(
    comparison: pd.DataFrame, runs_a: pd.DataFrame, runs_b: pd.DataFrame, given: Mapping[str, Price]
) -> str:
    """A table of both sides' cost per pair and B ÷ A (same currency only); empty without two prices."""
    a, b = (host_prices(runs, given).iloc[0] for runs in (runs_a, runs_b))
    if pd.isna(a["per_hour"]) or pd.isna(b["per_hour"]):
        return ""
    cost_a = cost_per_million(comparison["mean_a"], a["per_hour"], a["cores"])
    cost_b = cost_per_million(comparison["mean_b"], b["per_hour"], b["cores"])
    ratios = (cost_b / cost_a).map("{:.3f}".format) if a["currency"] == b["currency"] else "—"
    shown = comparison[["size", "workload", "row"]].assign(
        a=cost_a.map(money) + f" {a['currency']}", b=cost_b.map(money) + f" {b['currency']}", ratio=ratios
    )
    header = ["size", "workload", "runtime", "A per vCPU", "B per vCPU", "cost B ÷ A"]
    return "\n".join(
        [
            f"Cost per million runs per vCPU (mean wall s × price ÷ 3600 × 10⁶ ÷ vCPUs): {_price(a, 'A')}, "
            f"{_price(b, 'B')}.",
            "",
            *table_lines(header, shown.to_numpy().tolist(), labels=3),
        ]
    )


def _price(host: pd.Series, side: str) -> str:
    return f"{side} at {host['per_hour']:g} {host['currency']}/h ÷ {host['cores']:g} vCPUs"
