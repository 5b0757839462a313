"""Result documents -> every report file in one directory: Markdown, CSV, JSON, HTML, charts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmbench.reports import html, json_summary, markdown, tidy_csv
from wasmbench.reports.charts import write_charts
from wasmbench.reports.frame import missing_frame, runs_frame, skipped_frame
from wasmbench.reports.summary import cell_summaries
from wasmbench.reports.tables import HostBlock, host_blocks


@dataclass(frozen=True)
class WrittenReport:
    markdown: str
    files: list[Path]


def report_blocks(documents: list[dict[str, Any]]) -> list[HostBlock]:
    return host_blocks(
        cell_summaries(runs_frame(documents)), skipped_frame(documents), missing_frame(documents)
    )


def write_report(documents: list[dict[str, Any]], directory: Path) -> WrittenReport:
    frame = runs_frame(documents)
    cells, skipped = cell_summaries(frame), skipped_frame(documents)
    blocks = host_blocks(cells, skipped, missing_frame(documents))
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown.render(blocks)
    (directory / "report.md").write_text(text)
    tidy_csv.write(frame, directory / "runs.csv")
    json_summary.write(cells, skipped, directory / "summary.json")
    charts = write_charts(cells, directory) if not cells.empty else {}
    (directory / "report.html").write_text(html.render(blocks, charts))
    names = ["report.md", "report.html", "runs.csv", "summary.json"]
    chart_files = [path.with_suffix(suffix) for path in charts.values() for suffix in (".png", ".svg")]
    return WrittenReport(text, [directory / name for name in names] + chart_files)
