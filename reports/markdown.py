"""Markdown: the tables to paste into a document, one section per host and size."""

from __future__ import annotations

from collections.abc import Sequence

from wasmbench.reports.tables import HostBlock, Section, Table


def render_table(table: Table) -> str:
    rows = [
        [row, *(_cell_text(cells[column]) for column in table.columns)] for row, cells in table.rows.items()
    ]
    lines = [
        f"**{table.title}** — {table.legend}" if table.legend else f"**{table.title}**",
        "",
        *table_lines([table.row_header, *table.columns], rows),
    ]
    warnings = table.warning_lines()
    if warnings:
        lines += ["", "⚠ unstable cells:", *(f"- {line}" for line in warnings)]
    return "\n".join(lines)


def render_block(block: HostBlock, titles: tuple[str, ...] | None = None) -> str:
    """The block's tables (only those whose title starts with one of ``titles``, if given)."""
    tables = [table for table in block.tables if titles is None or table.title.startswith(titles)]
    parts = [f"## {block.heading}", *(render_table(table) for table in tables), *_notes(block.notes())]
    return "\n\n".join(parts)


def render_section(section: Section) -> str:
    return "\n\n".join([f"## {section.heading}", *_notes(section.notes)])


def render(blocks: list[HostBlock], sections: Sequence[Section] = (), title: str = "wasmbench report") -> str:
    """The host blocks, then the sections about all hosts (e.g. Price-performance)."""
    body = [render_block(block) for block in blocks] or ["no measurements"]
    body += [render_section(section) for section in sections]
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
