"""Two result sets, A and B (two hosts, or two versions of a runtime): is B faster or slower?

Pairs are matched on (size, workload, runtime, mode); each side must come from a single host, so
a verdict never mixes machines within one side. Times are compared; where both sides ran in
rounds, so are the paired ratios to native (each round's time ÷ native's in that round), which
cancel the drift each suite's machine went through: the fairer judge of a runtime's overhead
between two suites on a noisy host. Each side's paired ratio is the report's, from the same
estimator (``paired_ratio_interval``: the geometric mean, its interval on the log scale).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pandas as pd

from wasmbench.errors import WasmbenchError
from wasmbench.measuring.stats import paired_ratio_interval
from wasmbench.reports.frame import row_label, runs_frame
from wasmbench.reports.markdown import table_lines
from wasmbench.reports.statistics import T_QUANTILE, SignificanceTest, Verdict, compare
from wasmbench.reports.summary import BASELINE, round_ratios
from wasmbench.reports.tables import paired_ratio_text
from wasmbench.store.schema import ResultDocument

MATCH = ["size", "workload", "runtime", "mode"]

# One side's sample (valid times, or per-round ratios) -> its columns in the comparison.
Describe = Callable[[list[float]], dict[str, float]]


def comparison_frame(
    runs_a: pd.DataFrame,
    runs_b: pd.DataFrame,
    alpha: float = 0.01,
    test: SignificanceTest = SignificanceTest.WELCH,
) -> pd.DataFrame:
    """A row per pair measured on both sides: means, B/A ratio with its CI, p-value and verdict."""
    comparison = _compare_samples(_valid_times(runs_a), _valid_times(runs_b), alpha, test, _mean)
    if comparison.empty:
        raise WasmbenchError("A and B have no (workload, size, runtime, mode) in common")
    return comparison


def ratio_comparison_frame(
    runs_a: pd.DataFrame,
    runs_b: pd.DataFrame,
    alpha: float = 0.01,
    test: SignificanceTest = SignificanceTest.WELCH,
) -> pd.DataFrame:
    """The same for the paired ratios to native, for the pairs both sides measured in rounds
    (empty when either side has none: results from before rounds). Each side's ``mean`` is its
    paired ratio as the report shows it (the geometric mean), with its interval (``low``, ``high``)."""
    return _compare_samples(_round_ratios(runs_a), _round_ratios(runs_b), alpha, test, _paired_ratio)


def _compare_samples(
    samples_a: pd.Series, samples_b: pd.Series, alpha: float, test: SignificanceTest, describe: Describe
) -> pd.DataFrame:
    """One row per key both sides have: each side described (``n_a``, ``mean_a``, ...), B ÷ A with
    its CI, the verdict."""
    rows = []
    for key in samples_a.index.intersection(samples_b.index):
        a, b = samples_a[key], samples_b[key]
        result = compare(a, b, alpha=alpha, test=test)
        rows.append(
            {
                **dict(zip(MATCH, key, strict=True)),
                "row": row_label(key[2], key[3]),
                **{f"{column}_a": value for column, value in describe(a).items()},
                **{f"{column}_b": value for column, value in describe(b).items()},
                "ratio": result.ratio,
                "ci_low": result.ci_low,
                "ci_high": result.ci_high,
                "p_value": result.p_value,
                "verdict": result.verdict.value,
            }
        )
    return pd.DataFrame(rows)


def _mean(times: list[float]) -> dict[str, float]:
    return {"n": len(times), "mean": statistics.fmean(times)}


def _paired_ratio(ratios: list[float]) -> dict[str, float]:
    interval = paired_ratio_interval(ratios, quantile=T_QUANTILE)
    return {"n": interval.n, "mean": interval.estimate, "low": interval.low, "high": interval.high}


def side_frame(documents: list[ResultDocument], side: str) -> tuple[pd.DataFrame, str]:
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
    comparison: pd.DataFrame,
    host_a: str,
    host_b: str,
    alpha: float,
    test: SignificanceTest,
    ratios: pd.DataFrame | None = None,
) -> str:
    """The times table, then (when both sides ran in rounds) the paired ratios' table."""
    test_name = "Welch's t-test" if test is SignificanceTest.WELCH else "Mann-Whitney U"
    lines = [
        f"A: {host_a}",
        f"B: {host_b}",
        f"{test_name}, α = {alpha:g}; B ÷ A > 1 means B is slower. Means of valid runs (n); "
        "B ÷ A and its CI: ratio of geometric means, interval from Welch's t on the log values.",
        "",
        *_table_lines(comparison, alpha, ("A (s)", "B (s)"), _time_text),
        "",
        f"B against A: {_tally(comparison)}",
    ]
    if ratios is not None and not ratios.empty:
        lines += [
            "",
            "**Ratio to native, paired per round** — each round's time ÷ native's time in the same round, "
            "so drift each suite's machine went through cancels; per side, as the report's Ratio to native "
            "table shows it: the geometric mean of those ratios [95 % CI on the log scale] (n rounds); "
            "B ÷ A > 1: the runtime's overhead grew in B",
            "",
            *_table_lines(ratios, alpha, ("A (× native)", "B (× native)"), _paired_ratio_text),
            "",
            f"B against A, ratios to native: {_tally(ratios)}",
        ]
    return "\n".join(lines)


def _table_lines(
    comparison: pd.DataFrame, alpha: float, sides: tuple[str, str], side_text: Callable[[pd.Series, str], str]
) -> list[str]:
    """The table's lines, each side's cell written by ``side_text(row, "a" or "b")``."""
    columns = [
        "size",
        "workload",
        "runtime",
        *sides,
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
            side_text(cell, "a"),
            side_text(cell, "b"),
            f"{cell['ratio']:.3f}",
            f"{cell['ci_low']:.3f} – {cell['ci_high']:.3f}",
            f"{cell['p_value']:.2g}",
            f"**{cell['verdict']}**"
            if cell["verdict"] in (Verdict.FASTER, Verdict.SLOWER)
            else cell["verdict"],
        ]
        for _, cell in comparison.iterrows()
    ]
    return table_lines(columns, rows, labels=3)


def _time_text(cell: pd.Series, side: str) -> str:
    return f"{cell[f'mean_{side}']:#.4g} ({cell[f'n_{side}']})"


def _paired_ratio_text(cell: pd.Series, side: str) -> str:
    return paired_ratio_text(
        cell[f"mean_{side}"], cell[f"low_{side}"], cell[f"high_{side}"], cell[f"n_{side}"]
    )


def _tally(comparison: pd.DataFrame) -> str:
    counts = comparison["verdict"].value_counts()
    return ", ".join(
        f"{counts.get(verdict.value, 0)} {verdict.value}" for verdict in Verdict if verdict.value in counts
    )


def _valid_times(runs: pd.DataFrame) -> pd.Series:
    return runs[runs["status"] == "ok"].groupby(MATCH)["wall_s"].apply(list)


def _round_ratios(runs: pd.DataFrame) -> pd.Series:
    ratios = round_ratios(runs)
    native = (ratios["runtime"] == BASELINE[0]) & (ratios["mode"] == BASELINE[1])
    return ratios[~native].groupby(MATCH)["round_ratio"].apply(list)
