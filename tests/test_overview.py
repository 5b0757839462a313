"""The report's first screen: per host, the representative modes compared over the same workloads,
their start-up, memory and cost; a geomean over fewer workloads is never set against the others."""

from __future__ import annotations

from dataclasses import replace

import pytest
from synthetic import HOST_ARM, HOST_X86, document

from wasmbench.host.prices import Price
from wasmbench.reports.writer import report_blocks, write_report

# A default suite in small: wasmtime:nn runs only inference, faster than the others there.
SUITE = {
    ("nbody", "native", "default"): 1.0,
    ("nbody", "wasmtime", "aot"): 1.2,
    ("nbody", "wasmtime", "jit"): 1.3,
    ("nbody", "docker", "run"): 1.1,
    ("mandelbrot", "native", "default"): 2.0,
    ("mandelbrot", "wasmtime", "aot"): 2.6,
    ("mandelbrot", "wasmtime", "jit"): 2.8,
    ("mandelbrot", "docker", "run"): 2.2,
    ("inference", "native", "default"): 0.5,
    ("inference", "wasmtime", "aot"): 0.75,
    ("inference", "wasmtime", "jit"): 0.8,
    ("inference", "wasmtime", "nn"): 0.495,
    ("inference", "docker", "run"): 0.55,
    ("nop", "native", "default"): 0.002,
    ("nop", "wasmtime", "aot"): 0.006,
    ("nop", "wasmtime", "jit"): 0.02,
    ("nop", "docker", "run"): 0.3,
}


def test_the_ratio_tables_geomean_never_bolds_a_mean_over_fewer_workloads():
    [block] = report_blocks([document(HOST_X86, SUITE, noise=0.0)])
    ratios = next(table for table in block.tables if table.title == "Ratio to native")
    geomeans = {row: cells["geomean"] for row, cells in ratios.rows.items()}
    assert geomeans["wasmtime:nn"].text == "(0.99: inference only)" and not geomeans["wasmtime:nn"].best
    assert geomeans["docker:run"].best and float(geomeans["docker:run"].text) == pytest.approx(1.1, abs=0.01)
    assert [row for row, cell in geomeans.items() if cell.best] == ["docker:run"]
    assert "geometric mean over inference, mandelbrot and nbody" in ratios.legend


def test_the_summary_shows_representative_modes_over_the_workloads_every_row_ran(tmp_path):
    report = write_report([document(HOST_X86, SUITE, noise=0.0)], tmp_path)
    text = report.markdown
    summary = text[text.index("## Summary") : text.index("\n## azure-d2")]
    assert "| runtime | × native (geomean) | start-up (ms) | peak memory (MiB) |" in summary
    rows = [line.split(" | ")[0].lstrip("| ") for line in summary.splitlines() if line.startswith("| ")]
    assert rows[2:] == ["native", "docker:run", "wasmtime:aot", "wasmtime:nn"], "jit is in the details only"
    assert "| native | 1 (reference) | **2.0** | 2.0 |" in summary, "equal memory: none is bold"
    assert "| docker:run | **1.10** | 300.0 | 2.0 |" in summary
    assert "| wasmtime:nn | (0.99: inference only) | — | 2.0 |" in summary
    assert (
        "Time against native, geometric mean over inference, mandelbrot and nbody: 1.10× (docker:run) to "
        "1.33× (wasmtime:aot). wasmtime:nn ran only inference (0.99× native there): not compared" in summary
    )
    assert "Start-up (nop): from 2.0 ms (native) to 300.0 ms (docker:run)." in summary
    assert text.index("## Summary") < text.index("**Time (s)**")


def test_the_summary_names_the_cheapest_where_a_price_is_given(tmp_path):
    x86, arm = document(HOST_X86, SUITE, noise=0.0), document(HOST_ARM, SUITE, noise=0.0, run_id="arm")
    text = write_report([x86, arm], tmp_path, prices={"azure-d2": Price(3.6)}).markdown
    x86_summary = text[text.index("### azure-d2") : text.index("### aws-m6g")]
    # a million runs of each of the three workloads, 3.6 per hour ÷ 2 vCPUs: 3.5 s × 1000 × 0.5 per s
    assert "| native | 1 (reference) | **2.0** | 2.0 | **1,750** |" in x86_summary
    assert "Cheapest here: native, 1,750 USD for a million runs of each." in x86_summary
    arm_summary = text[text.index("### aws-m6g") : text.index("\n## azure-d2")]
    assert "cost" not in arm_summary.split("\n\n")[2], "no price, no cost column"


def test_a_suite_at_the_test_size_says_its_ratios_measure_start_up(tmp_path):
    doc = document(HOST_X86, {key: mean / 1000 for key, mean in SUITE.items()}, noise=0.0)
    for result in doc.pairs:
        result.pair = replace(result.pair, size="test")
    text = write_report([doc], tmp_path).markdown
    summary = text[: text.index("\n## azure-d2")]
    assert "⚠ Size test: runs of a few milliseconds, so the ratios to native measure start-up" in summary
    assert "a larger size (--size default)" in summary, "runs under 1 ms are over the noise threshold"


def test_a_start_up_probe_under_1_ms_is_no_reason_for_a_larger_size(tmp_path):
    doc = document(HOST_X86, {**SUITE, ("nop", "native", "default"): 0.0007}, noise=0.0)
    text = write_report([doc], tmp_path).markdown
    assert "run under 1 ms" not in text and "a larger size" not in text, "nop's runs are meant to be short"


def test_each_version_of_a_mode_is_a_row_of_its_own_in_release_order(tmp_path):
    versions = {"9.0.0": 1.4, "13.0.2": 1.3, "51.0.0": 1.2}
    suite = {("nbody", "native", "default"): 1.0, ("nbody", "node", "default@20.18.0"): 1.5}
    suite |= {("nbody", "wasmtime", f"embedded@{version}"): time for version, time in versions.items()}
    [block] = report_blocks([document(HOST_X86, suite, noise=0.0)])
    ratios = next(table for table in block.tables if table.title == "Ratio to native")
    assert list(ratios.rows) == [
        "node@20.18.0",
        "wasmtime:embedded@9.0.0",
        "wasmtime:embedded@13.0.2",
        "wasmtime:embedded@51.0.0",
    ]
    summary = write_report([document(HOST_X86, suite, noise=0.0)], tmp_path).markdown
    for row in ratios.rows:
        assert f"| {row} |" in summary[: summary.index("**Time (s)**")], "each version in the summary too"
