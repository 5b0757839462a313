"""Result documents -> every report file in one directory: Markdown, CSV, JSON, HTML, charts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wasmbench.host.prices import Price
from wasmbench.reports import html, invocations, json_summary, markdown, tidy_csv
from wasmbench.reports.charts import save_figures, write_charts
from wasmbench.reports.charts.bars import mode_colours
from wasmbench.reports.charts.invocations import invocation_charts
from wasmbench.reports.cost import Serverless, host_prices, with_costs
from wasmbench.reports.cost_tables import cost_tables, price_section
from wasmbench.reports.frame import missing_frame, runs_frame, skipped_frame
from wasmbench.reports.invocations import invocation_frames
from wasmbench.reports.overview import overviews
from wasmbench.reports.summary import cell_summaries
from wasmbench.reports.tables import HostBlock, host_blocks
from wasmbench.store.schema import ResultDocument


@dataclass(frozen=True)
class WrittenReport:
    markdown: str
    files: list[Path]


def report_blocks(documents: list[ResultDocument]) -> list[HostBlock]:
    return host_blocks(
        cell_summaries(runs_frame(documents)), skipped_frame(documents), missing_frame(documents)
    )


def write_report(
    documents: list[ResultDocument],
    directory: Path,
    prices: dict[str, Price] | None = None,
    serverless: Serverless | None = None,
) -> WrittenReport:
    """``prices`` (host name → price) fill or override the machine info's; ``serverless`` adds its table."""
    frame = runs_frame(documents)
    skipped = skipped_frame(documents)
    cells, sections = cell_summaries(frame), []
    if not cells.empty:  # empty: a journal before its first run
        hosts = host_prices(frame, prices or {})
        cells = with_costs(cells, hosts, serverless)
        sections.append(price_section(cells, hosts))
    missing = missing_frame(documents)
    units, loads = invocation_frames(documents)
    blocks = host_blocks(cells, skipped, missing, cost_tables(serverless))
    blocks += invocations.blocks_of(units, loads, prices or {}, serverless)
    summaries = overviews(cells, missing)
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown.render(blocks, sections, summaries)
    (directory / "report.md").write_text(text)
    tidy_csv.write(frame, directory / "runs.csv")
    json_summary.write(cells, skipped, directory / "summary.json")
    # one colour per runtime mode across the run's charts and the invocations'
    colours = mode_colours([*cells.get("row", []), *units.get("row", [])])
    charts = write_charts(cells, directory, colours) if not cells.empty else {}
    charts |= save_figures(invocation_charts(loads, colours), directory)
    (directory / "report.html").write_text(html.render(blocks, charts, sections, summaries))
    names = ["report.md", "report.html", "runs.csv", "summary.json"]
    chart_files = [path.with_suffix(suffix) for path in charts.values() for suffix in (".png", ".svg")]
    return WrittenReport(text, [directory / name for name in names] + chart_files)
