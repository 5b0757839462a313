"""The charts agree: one colour per runtime mode in every chart and on every host, error bars
named, the native line in the legend, log scales where values span more than a decade."""

from __future__ import annotations

from collections import defaultdict

import pytest
from matplotlib.colors import to_hex
from synthetic import HOST_ARM, HOST_X86, document
from test_overview import SUITE

from wasmbench.host.prices import Price
from wasmbench.reports.charts import draw_charts
from wasmbench.reports.charts.bars import PARITY_LABEL, mode_colours
from wasmbench.reports.cost import host_prices, with_costs
from wasmbench.reports.frame import runs_frame
from wasmbench.reports.summary import cell_summaries


@pytest.fixture(scope="module")
def two_hosts():
    """An x86 host with every mode, an ARM one without Docker and wasmtime:jit: its modes come in
    other positions, and must keep their colours."""
    arm_suite = {
        key: mean * 2
        for key, mean in SUITE.items()
        if key[1:] not in {("docker", "run"), ("wasmtime", "jit")}
    }
    documents = [document(HOST_X86, SUITE), document(HOST_ARM, arm_suite, run_id="arm")]
    frame = runs_frame(documents)
    prices = host_prices(frame, {"azure-d2": Price(0.1), "aws-m6g": Price(0.08)})
    cells = with_costs(cell_summaries(frame), prices, None)
    return cells, draw_charts(cells)


def test_a_mode_has_one_colour_in_every_chart_of_a_two_host_report(two_hosts):
    cells, charts = two_hosts
    assert set(charts) == {"time", "ratio", "startup-memory", "cross-host", "cost"}
    expected = {row: to_hex(colour) for row, colour in mode_colours(cells["row"]).items()}
    seen = defaultdict(set)
    for name, fig in charts.items():
        for row, colour in _bar_colours(fig):
            seen[row].add((name, colour))
    for row, found in seen.items():
        assert {colour for _, colour in found} == {expected[row]}, f"{row}: {sorted(found)}"
    assert {name for found in seen.values() for name, _ in found} == set(charts)
    assert set(seen) == set(expected)


def test_titles_name_the_error_bars_and_the_native_line_is_in_the_legend(two_hosts):
    _, charts = two_hosts
    assert (
        "\nerror bars: paired 95 % CI on the log scale (± propagated stddev for results without rounds)"
        in (charts["ratio"]._suptitle.get_text())
    )
    assert "± stddev" in charts["time"]._suptitle.get_text()
    for name in ("ratio", "cross-host"):
        for ax in charts[name].axes:
            assert PARITY_LABEL in [text.get_text() for text in ax.get_legend().get_texts()]


def test_the_ratio_charts_geomean_leaves_out_a_mode_with_fewer_workloads(two_hosts):
    _, charts = two_hosts
    ax = charts["ratio"].axes[0]
    groups = [label.get_text() for label in ax.get_xticklabels()]
    assert groups[-1] == "geomean of 3"
    nn = next(container for container in ax.containers if container.get_label() == "wasmtime:nn")
    heights = [patch.get_height() for patch in nn.patches]
    assert heights[0] == pytest.approx(0.99, abs=0.02) and heights[-1] != heights[-1], "no geomean bar: NaN"


def test_memory_and_start_up_spanning_decades_are_on_log_scales(two_hosts):
    _, charts = two_hosts
    startup, memory = charts["startup-memory"].axes[:2]
    assert startup.get_xscale() == "log", "2 ms native, 300 ms docker:run"
    assert memory.get_yscale() == "linear", "every mode's memory is the same here"


def _bar_colours(fig) -> list[tuple[str, str]]:
    """(runtime mode, colour) of every bar: a series' label names its mode, a horizontal bar's tick
    label; in the cross-host chart (series: hosts) the panel's title."""
    found = []
    for ax in fig.axes:
        for container in ax.containers:
            if not hasattr(container, "patches"):
                continue
            label = container.get_label()
            if label.startswith("_"):  # horizontal start-up bars: one per tick label
                ticks = [tick.get_text() for tick in ax.get_yticklabels()]
                found += [
                    (row, to_hex(patch.get_facecolor()))
                    for row, patch in zip(ticks, container.patches, strict=True)
                ]
            elif "(" in label:  # a host (arch): the panel is one mode's
                found.append((ax.get_title().split(" — ")[0], to_hex(container.patches[0].get_facecolor())))
            else:
                found.append((label, to_hex(container.patches[0].get_facecolor())))
    return found
