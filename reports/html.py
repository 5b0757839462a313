"""One self-contained HTML file: the tables and the charts (PNG as data URIs), nothing fetched.

It opens offline and can be mailed as a single attachment. Its first screen is the summary of each
host; the cells flagged as noisy close it, folded away.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from pathlib import Path

from wasmbench.reports.markdown import UNSTABLE
from wasmbench.reports.overview import Overview
from wasmbench.reports.tables import Cell, HostBlock, Section, Table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 78em; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin-bottom: 0.2em; } p.legend { margin-top: 0; color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f2f2f2; }
td.best { font-weight: bold; background: #eaf6ea; } td.warn { background: #fff6dd; }
ul.warnings { color: #8a5a00; font-size: 0.88em; } figure { margin: 1em 0; }
section.summary h3 { font-size: 1.05em; margin-top: 1.2em; } section.summary ul { margin: 0.3em 0; }
section.summary p.legend { max-width: 70em; }
p.advice { color: #8a5a00; background: #fff6dd; padding: 0.3em 0.6em; max-width: 70em; font-size: 0.92em; }
details summary { cursor: pointer; font-weight: bold; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""


def render(
    blocks: list[HostBlock],
    charts: dict[str, Path],
    sections: Sequence[Section] = (),
    overviews: Sequence[Overview] = (),
    title: str = "wasmbench report",
) -> str:
    body = [f"<h1>{escape(title)}</h1>"]
    if overviews:
        body.append(
            f"<section class='summary'><h2>Summary</h2>{''.join(map(_overview, overviews))}</section>"
        )
    body += [_block(block) for block in blocks] or ["<p>no measurements</p>"]
    body += [f"<h2>{escape(section.heading)}</h2>{_notes(section.notes)}" for section in sections]
    if charts:
        body.append("<h2>Charts</h2>")
        body += [_figure(name, path) for name, path in charts.items()]
    body.append(_unstable(blocks))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _overview(overview: Overview) -> str:
    table = overview.table
    return (
        f"<h3>{escape(overview.heading)}</h3>{_list(overview.findings)}{_grid(table)}"
        f"<p class='legend'>{escape(table.legend)}</p>"
        + "".join(f"<p class='advice'>{escape(line)}</p>" for line in overview.advice)
    )


def _unstable(blocks: list[HostBlock]) -> str:
    """Every flagged cell, folded away: the summary's noise line counts them and says what to do."""
    flagged = [(block.heading, block.warning_lines()) for block in blocks if block.warning_lines()]
    if not flagged:
        return ""
    count = sum(len(lines) for _, lines in flagged)
    lists = "".join(
        f"<h3>{escape(heading)}</h3>"
        f'<ul class="warnings">{"".join(f"<li>⚠ {escape(line)}</li>" for line in lines)}</ul>'
        for heading, lines in flagged
    )
    return f"<h2>{UNSTABLE}</h2><details><summary>{count} cells flagged: show them</summary>{lists}</details>"


def _block(block: HostBlock) -> str:
    parts = [f"<h2>{escape(block.heading)}</h2>", *(_table(table) for table in block.tables)]
    return "".join(parts) + _notes(block.notes())


def _notes(notes: list[tuple[str, str, list[str]]]) -> str:
    return "".join(
        f"<h3>{escape(f'{title} ({meaning})' if meaning else title)}</h3>{_list(lines)}"
        for title, meaning, lines in notes
    )


def _table(table: Table) -> str:
    return f"<h3>{escape(table.title)}</h3><p class='legend'>{escape(table.legend)}</p>{_grid(table)}"


def _grid(table: Table) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in [table.row_header, *table.columns])
    rows = "".join(
        f"<tr><td>{escape(row)}</td>{''.join(_cell(cells[column]) for column in table.columns)}</tr>"
        for row, cells in table.rows.items()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _cell(cell: Cell) -> str:
    classes = " ".join(name for name, on in (("best", cell.best), ("warn", cell.warnings)) if on)
    tip = f' title="{escape("; ".join(cell.warnings))}"' if cell.warnings else ""
    mark = " ⚠" if cell.warnings else ""
    return f'<td class="{classes}"{tip}>{escape(cell.text)}{mark}</td>'


def _figure(name: str, path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{escape(name)} chart" src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(name)} (also {escape(path.stem)}.svg next to this file)</figcaption></figure>"
    )


def _list(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"
