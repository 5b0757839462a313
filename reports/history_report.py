"""The history report: the table of changes, the changes above 5 % as lines two runs can be
compared by, a line per series without a change, a chart per workload, and the data as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wasmbench.reports.charts import FORMATS
from wasmbench.reports.charts.bars import mode_colours
from wasmbench.reports.charts.history import draw
from wasmbench.reports.history import (
    MIN_VERSIONS,
    Change,
    SeriesHistory,
    history_frame,
    series_histories,
    suite_levels,
    unversioned,
    version_levels,
)
from wasmbench.reports.markdown import table_lines
from wasmbench.store.schema import ResultDocument

# The changes listed apart, one line each, so that two runs of the history can be compared by
# their version boundaries (the reproducibility goal).
NOTABLE = 0.05
CHANGE_COLUMNS = [
    "host",
    "workload",
    "size",
    "series",
    "before",
    "after",
    "delta",
    "ci_low",
    "ci_high",
    "p_value",
]


@dataclass(frozen=True)
class HistoryReport:
    histories: list[SeriesHistory]
    left_out: list[str]
    alpha: float

    @property
    def changes(self) -> list[tuple[SeriesHistory, Change]]:
        return [(history, change) for history in self.histories for change in history.changes]


@dataclass(frozen=True)
class WrittenHistory:
    text: str
    files: list[Path]


def write_history(documents: list[ResultDocument], directory: Path, alpha: float) -> WrittenHistory:
    """Every file of the history report into ``directory``; the text is what the terminal shows."""
    frame = history_frame(documents)
    report = HistoryReport(series_histories(frame, alpha), unversioned(frame), alpha)
    levels, suites = version_levels(frame), suite_levels(frame)
    directory.mkdir(parents=True, exist_ok=True)
    charts = _write_charts(report.histories, levels, suites, directory)
    text = render(report)
    (directory / "history.md").write_text(text + _chart_links(charts))
    changes_frame(report).to_csv(directory / "changes.csv", index=False)
    levels.to_csv(directory / "versions.csv", index=False)
    names = ["history.md", "changes.csv", "versions.csv"]
    chart_files = [directory / f"{name}.{extension}" for name in charts for extension in FORMATS]
    return WrittenHistory(text, [directory / name for name in names] + chart_files)


def changes_frame(report: HistoryReport) -> pd.DataFrame:
    """A row per change, Δ and its interval as fractions (0.10: 10 % slower)."""
    rows = [
        [
            *(history.host, history.workload, history.size, history.series),
            change.before,
            change.after,
            change.delta,
            change.comparison.ci_low - 1,
            change.comparison.ci_high - 1,
            change.comparison.p_value,
        ]
        for history, change in report.changes
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def render(report: HistoryReport) -> str:
    confidence = f"{1 - report.alpha:.0%}"
    parts = [
        "# wasmbench history",
        f"{len(report.histories)} series (host, workload, size, runtime mode) ordered by runtime version. "
        "Steps proposed by ruptures' PELT on each version's mean log time, each kept if Student's t "
        f"against the series' noise between versions finds it significant at α = {report.alpha:g}.",
        "## Changes",
        _change_table(report, confidence) if report.changes else "none found",
        f"## Changes above {NOTABLE:.0%}",
        "(one line each, to compare two runs of the history by their version boundaries)",
        _bullets(_notable(report)) if _notable(report) else "none",
        "## Series without a change",
        _bullets([_unchanged(history) for history in report.histories if not history.changes]) or "none",
    ]
    if report.left_out:
        parts.append(f"Left out (no runtime version recorded): {', '.join(report.left_out)}")
    return "\n\n".join(parts) + "\n"


def _change_table(report: HistoryReport, confidence: str) -> str:
    header = ["series", "workload", "size", "host", "versions", "Δ time", f"{confidence} CI", "p", "verdict"]
    rows = [
        [
            history.series,
            history.workload,
            history.size,
            history.host,
            f"{change.before} → {change.after}",
            f"{change.delta:+.1%}",
            f"{change.comparison.ci_low - 1:+.1%} … {change.comparison.ci_high - 1:+.1%}",
            f"{change.comparison.p_value:.2g}",
            change.comparison.verdict.value,
        ]
        for history, change in report.changes
    ]
    return "\n".join(table_lines(header, rows, labels=5))


def _notable(report: HistoryReport) -> list[str]:
    return [
        f"{history.name}: {change.before} → {change.after} {change.comparison.verdict.value}"
        for history, change in report.changes
        if abs(change.delta) > NOTABLE
    ]


def _unchanged(history: SeriesHistory) -> str:
    versions = history.versions
    if len(versions) < MIN_VERSIONS:
        too_few = "too few versions to find a step (`wasmbench compare` them)"
        return f"{history.name}: {' and '.join(versions)} only, {too_few}"
    return f"{history.name}: {len(versions)} versions ({versions[0]} … {versions[-1]}), no change"


def _write_charts(
    histories: list[SeriesHistory], levels: pd.DataFrame, suites: pd.DataFrame, directory: Path
) -> list[str]:
    """A chart per workload and size (its series' panels stacked); returns each one's file name
    without its extension."""
    colours = mode_colours(history.series for history in histories)
    groups: dict[tuple[str, str], list[SeriesHistory]] = {}
    for history in histories:
        groups.setdefault((history.workload, history.size), []).append(history)
    written = []
    for (workload, size), group in groups.items():
        figure = draw(group, levels, suites, colours)
        name = f"history-{workload}-{size}"
        for extension in FORMATS:
            figure.savefig(directory / f"{name}.{extension}", dpi=150, bbox_inches="tight")
        written.append(name)
    return written


def _chart_links(charts: list[str]) -> str:
    links = [f"![{name}]({name}.png)" for name in charts]
    return "\n## Charts\n\n" + "\n\n".join(links) + "\n" if links else ""


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)
