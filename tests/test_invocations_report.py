"""The Invocations section from a synthetic ``wasmbench invoke`` result: its tables, figures, costs,
headline rows and charts; and the result file keeping the invocations through a round trip."""

from __future__ import annotations

from dataclasses import replace

import pytest
from synthetic import HOST_X86, suite_document

from wasmbench.reports.cost import Serverless
from wasmbench.reports.invocations import invocation_blocks, invocation_frames
from wasmbench.reports.markdown import render_block
from wasmbench.reports.writer import write_report
from wasmbench.store.schema import (
    ColdStart,
    InvocationResult,
    LoadRun,
    MemoryPoint,
    Pair,
    ResultDocument,
    Status,
)

MIB = 2**20
PRICED = {**HOST_X86, "price": {"per_hour": 0.36, "currency": "USD"}}


def served(
    runtime: str, mode: str, path: str, cold_ms: float, warm_ms: float, rps: float, slope_mib: float = 0
):
    """A unit with 10 cold starts of ``cold_ms`` (one of them wrong), loads at 1 and 2 clients whose
    latencies are ``warm_ms`` (the second level twice as slow) answering ``rps``, one error each."""
    starts = [ColdStart(i, 0, Status.OK, int(cold_ms * 1e6), 100 * MIB) for i in range(9)]
    starts.append(ColdStart(9, 0, Status.WRONG_OUTPUT, 1, 0, "wrong"))
    loads = [
        LoadRun(c, c, 100, [int(warm_ms * c * 1e6)] * 99, {"500": 1}, 99 / rps, 200 * MIB) for c in (1, 2)
    ]
    memory = [MemoryPoint(k, int((40 + slope_mib * k) * MIB)) for k in range(1, 5)] if path == "warm" else []
    return InvocationResult(Pair("inference", "test", runtime, mode), path, starts, loads, memory)


@pytest.fixture
def document() -> ResultDocument:
    results = [
        served("docker", "run", "cold", 900, 950, 2),
        served("docker", "exec", "warm", 1200, 60, 30, slope_mib=20),
        served("wasmtime", "embedded", "warm", 300, 40, 50, slope_mib=8),
        served("native", "default", "cold", 30, 32, 60),
    ]
    return replace(suite_document(PRICED, []), invocations=results)


def test_the_figures_of_each_served_mode(document):
    units, loads = invocation_frames([document])
    wasmtime = units.set_index("unit").loc["wasmtime:embedded (warm)"]
    assert wasmtime["cold_p50_s"] == pytest.approx(0.3) and wasmtime["cold_failed"] == 1
    assert wasmtime["instance_mib"] == pytest.approx(8), "the slope over 1 … 4 instances"
    assert wasmtime["best_rps_per_core"] == pytest.approx(25)
    native = units.set_index("unit").loc["native (cold)"]
    assert native["instance_mib"] == pytest.approx(100), "the cold path: a run's peak"
    at_two = loads[(loads["unit"] == "wasmtime:embedded (warm)") & (loads["concurrency"] == 2)].iloc[0]
    assert at_two["p99_s"] == pytest.approx(0.08) and at_two["error_rate"] == pytest.approx(0.01)


def test_the_section_renders_tables_headline_costs_and_failures(document):
    [block] = invocation_blocks([document], serverless=Serverless(0.0000166667))
    text = render_block(block)
    assert block.heading == "Invocations — azure-d2 (x86_64) — size test"
    summary, headline, latency = block.tables
    assert list(headline.rows) == ["docker:exec (warm)", "docker:run (cold)", "wasmtime:embedded (warm)"]
    assert summary.rows["wasmtime:embedded (warm)"]["instances per GiB"].text == "128"
    assert summary.rows["wasmtime:embedded (warm)"]["p50 c=1"].text == "40"
    # 0.36 USD/h ÷ 3600 ÷ 50 req/s × 10⁶
    assert summary.rows["wasmtime:embedded (warm)"]["cost/M instance-hour USD"].text == "2.00"
    # 128 MiB billed (100 MiB peak) ÷ 1024 × 0.040 s × the tariff × 10⁶
    assert summary.rows["wasmtime:embedded (warm)"]["cost/M GB-s USD"].text == "0.0833"
    assert "wasmtime:embedded (warm) c=2" in latency.rows
    assert "inference · native (cold): 1 of 10 cold starts failed" in text


def test_the_report_shows_the_section_and_its_charts(document, tmp_path):
    written = write_report([document], tmp_path)
    assert "## Invocations — azure-d2" in written.markdown
    assert (tmp_path / "invocations-latency-cdf.png").exists()
    assert (tmp_path / "invocations-throughput.png").exists()
    assert "invocations-latency-cdf" in (tmp_path / "report.html").read_text()


def test_the_result_file_keeps_the_invocations(document):
    again = ResultDocument.from_dict(document.to_dict())
    assert again.invocations == document.invocations
    plain = replace(document, invocations=[])
    assert "invocations" not in plain.to_dict()["wasmbench"], "a run's result keeps its shape"
