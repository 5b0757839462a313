"""Two result sets, A and B (two hosts, or two versions of a runtime): is B faster or slower?

Pairs are matched on (size, workload, runtime, mode); each side must come from a single host, so
a verdict never mixes machines within one side.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from wasmbench.errors import WasmbenchError
from wasmbench.reports.frame import row_label, runs_frame
from wasmbench.reports.markdown import table_lines
from wasmbench.reports.statistics import SignificanceTest, Verdict, compare

MATCH = ["size", "workload", "runtime", "mode"]


def comparison_frame(
    runs_a: pd.DataFrame,
    runs_b: pd.DataFrame,
    alpha: float = 0.01,
    test: SignificanceTest = SignificanceTest.WELCH,
) -> pd.DataFrame:
    """A row per pair measured on both sides: means, B/A ratio with its CI, p-value and verdict."""
    times_a = _valid_times(runs_a)
    times_b = _valid_times(runs_b)
    common = times_a.index.intersection(times_b.index)
    if common.empty:
        raise WasmbenchError("A and B have no (workload, size, runtime, mode) in common")
    rows = []
    for key in common:
        result = compare(times_a[key], times_b[key], alpha=alpha, test=test)
        rows.append(
            {
                **dict(zip(MATCH, key, strict=True)),
                "row": row_label(key[2], key[3]),
                "n_a": len(times_a[key]),
                "mean_a": sum(times_a[key]) / len(times_a[key]),
                "n_b": len(times_b[key]),
                "mean_b": sum(times_b[key]) / len(times_b[key]),
                "ratio": result.ratio,
                "ci_low": result.ci_low,
                "ci_high": result.ci_high,
                "p_value": result.p_value,
                "verdict": result.verdict.value,
            }
        )
    return pd.DataFrame(rows)


def side_frame(documents: list[dict[str, Any]], side: str) -> tuple[pd.DataFrame, str]:
    """One side's runs and a description of its host; a side spanning several hosts is an error."""
    frame = runs_frame(documents)
    hosts = frame["host_key"].unique()
    if len(hosts) != 1:
        raise WasmbenchError(
            f"{side} holds results of {len(hosts)} hosts; compare takes one host's results per side"
        )
    first = frame.iloc[0]
    return frame, f"{first['host']} ({first['arch']}, {first['cpu_model']})"


def significant_slowdowns(comparison: pd.DataFrame, percent: float) -> pd.DataFrame:
    """Pairs significantly slower in B by more than ``percent`` %: what ``--fail-above`` fails on."""
    slower = comparison["verdict"] == Verdict.SLOWER.value
    return comparison[slower & (comparison["ratio"] > 1 + percent / 100)]


def render_markdown(
    comparison: pd.DataFrame, host_a: str, host_b: str, alpha: float, test: SignificanceTest
) -> str:
    columns = [
        "size",
        "workload",
        "runtime",
        "A (s)",
        "B (s)",
        "B ÷ A",
        f"{1 - alpha:.0%} CI",
        "p",
        "verdict",
    ]
    rows = [
        [
            cell["size"],
            cell["workload"],
            cell["row"],
            f"{cell['mean_a']:#.4g} ({cell['n_a']})",
            f"{cell['mean_b']:#.4g} ({cell['n_b']})",
            f"{cell['ratio']:.3f}",
            f"{cell['ci_low']:.3f} – {cell['ci_high']:.3f}",
            f"{cell['p_value']:.2g}",
            f"**{cell['verdict']}**"
            if cell["verdict"] in (Verdict.FASTER, Verdict.SLOWER)
            else cell["verdict"],
        ]
        for _, cell in comparison.iterrows()
    ]
    counts = comparison["verdict"].value_counts()
    tally = ", ".join(
        f"{counts.get(verdict.value, 0)} {verdict.value}" for verdict in Verdict if verdict.value in counts
    )
    test_name = "Welch's t-test" if test is SignificanceTest.WELCH else "Mann-Whitney U"
    return "\n".join(
        [
            f"A: {host_a}",
            f"B: {host_b}",
            f"{test_name}, α = {alpha:g}; B ÷ A > 1 means B is slower. Means of valid runs (n); "
            "B ÷ A and its CI: ratio of geometric means, interval from Welch's t on the log times.",
            "",
            *table_lines(columns, rows, labels=3),
            "",
            f"B against A: {tally}",
        ]
    )


def _valid_times(runs: pd.DataFrame) -> pd.Series:
    return runs[runs["status"] == "ok"].groupby(MATCH)["wall_s"].apply(list)
