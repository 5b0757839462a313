"""Markdown: the summary of every host first, then the tables, one section per host and size, and
at the end the cells flagged as noisy."""

from __future__ import annotations

from collections.abc import Sequence

from wasmbench.reports.overview import Overview
from wasmbench.reports.tables import HostBlock, Section, Table

UNSTABLE = "Unstable cells"


def render_table(table: Table) -> str:
    rows = [
        [row, *(_cell_text(cells[column]) for column in table.columns)] for row, cells in table.rows.items()
    ]
    lines = [
        f"**{table.title}** — {table.legend}" if table.legend else f"**{table.title}**",
        "",
        *table_lines([table.row_header, *table.columns], rows),
    ]
    return "\n".join(lines)


def render_block(block: HostBlock, titles: tuple[str, ...] | None = None, advice: bool = True) -> str:
    """The block's tables (only those whose title starts with one of ``titles``, if given), its notes
    and, with ``advice``, its lines on noise (a report has them in its summary instead)."""
    tables = [table for table in block.tables if titles is None or table.title.startswith(titles)]
    parts = [f"## {block.heading}", *(render_table(table) for table in tables), *_notes(block.notes())]
    return "\n\n".join(parts + (block.advice if advice else []))


def render_overview(overview: Overview) -> str:
    parts = [f"### {overview.heading}", _bullets(overview.findings), render_table(overview.table)]
    return "\n\n".join(parts + overview.advice)


def render_section(section: Section) -> str:
    return "\n\n".join([f"## {section.heading}", *_notes(section.notes)])


def render(
    blocks: list[HostBlock],
    sections: Sequence[Section] = (),
    overviews: Sequence[Overview] = (),
    title: str = "wasmbench report",
) -> str:
    """The summary per host, the host blocks, the sections about all hosts (e.g. Price-performance),
    then the cells flagged as noisy."""
    body = ["## Summary", *map(render_overview, overviews)] if overviews else []
    body += [render_block(block, advice=not overviews) for block in blocks] or ["no measurements"]
    body += [render_section(section) for section in sections]
    flagged = [(block.heading, block.warning_lines()) for block in blocks if block.warning_lines()]
    if flagged:
        body.append(f"## {UNSTABLE}")
        body += [
            f"**{heading}**\n\n" + _bullets([f"⚠ {line}" for line in lines]) for heading, lines in flagged
        ]
    return f"# {title}\n\n" + "\n\n".join(body) + "\n"


def table_lines(header: list[str], rows: list[list[str]], labels: int = 1) -> list[str]:
    """A pipe table: the first ``labels`` columns left-aligned, the others (numbers) right-aligned."""
    alignment = ["---"] * labels + ["---:"] * (len(header) - labels)
    return [_line(header), _line(alignment), *(_line(row) for row in rows)]


def _cell_text(cell) -> str:
    text = f"**{cell.text}**" if cell.best else cell.text
    return f"{text} ⚠" if cell.warnings else text


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _notes(notes: list[tuple[str, str, list[str]]]) -> list[str]:
    return [
        f"**{title}**" + (f" ({meaning})" if meaning else "") + "\n\n" + _bullets(lines)
        for title, meaning, lines in notes
    ]


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)
