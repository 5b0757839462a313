"""Price-performance: cost tables from known prices and times, the cheapest (host, runtime) per
workload across hosts, and hosts without a price."""

from __future__ import annotations

import pytest
from synthetic import HOST_ARM, HOST_X86, document

from wasmbench.errors import WasmbenchError
from wasmbench.host.prices import Price
from wasmbench.reports.cost import Serverless, cheapest, host_prices, with_costs
from wasmbench.reports.cost_tables import money
from wasmbench.reports.frame import runs_frame
from wasmbench.reports.summary import cell_summaries
from wasmbench.reports.writer import write_report

MEANS = {
    ("nbody", "native", "default"): 1.0,
    ("nbody", "wasmtime", "jit"): 1.5,
    ("mandelbrot", "native", "default"): 2.0,
    ("mandelbrot", "wasmtime", "jit"): 2.2,
}
PRICED_X86 = {**HOST_X86, "cores": 4, "price": {"per_hour": 0.36, "currency": "USD"}}


def costs_of(*documents, given=None, serverless=None):
    frame = runs_frame(list(documents))
    return with_costs(cell_summaries(frame), host_prices(frame, given or {}), serverless)


def cost(costs, host, workload, row, column):
    cell = costs[(costs["host"] == host) & (costs["workload"] == workload) & (costs["row"] == row)]
    return float(cell[column].iloc[0])


def test_cost_per_million_runs_from_known_prices_and_times():
    doc = document(PRICED_X86, MEANS, noise=0.0, rss_kib=200 * 1024)  # two 128 MiB steps billed
    costs = costs_of(doc, serverless=Serverless(gb_second_price=0.00001, memory_step_mib=128))
    # 1 s at 0.36 USD/h: 0.0001 USD a run, 100 USD a million; per vCPU ÷ 4
    assert cost(costs, "azure-d2", "nbody", "native", "instance_cost") == pytest.approx(100.0)
    assert cost(costs, "azure-d2", "nbody", "native", "vcpu_cost") == pytest.approx(25.0)
    assert cost(costs, "azure-d2", "mandelbrot", "wasmtime:jit", "instance_cost") == pytest.approx(220.0)
    # 256 MiB = 0.25 GB × 1 s × 0.00001 per GB-s × 10⁶
    assert cost(costs, "azure-d2", "nbody", "native", "billed_mib") == 256
    assert cost(costs, "azure-d2", "nbody", "native", "serverless_cost") == pytest.approx(2.5)
    assert (costs["currency"] == "USD").all()


def test_a_prices_file_overrides_the_recorded_price_and_fills_a_missing_one():
    costs = costs_of(
        document(PRICED_X86, MEANS, noise=0.0),
        document(HOST_ARM, MEANS, noise=0.0, run_id="arm"),
        given={"azure-d2": Price(0.72, "EUR"), "aws-m6g": Price(0.18)},
    )
    assert cost(costs, "azure-d2", "nbody", "native", "instance_cost") == pytest.approx(200.0)
    assert cost(costs, "aws-m6g", "nbody", "native", "vcpu_cost") == pytest.approx(25.0)
    assert set(zip(costs["host"], costs["currency"], costs["price_source"], strict=True)) == {
        ("azure-d2", "EUR", "--prices"),
        ("aws-m6g", "USD", "--prices"),
    }


def test_a_host_without_a_price_has_no_cost_and_is_never_the_cheapest():
    costs = costs_of(document(PRICED_X86, MEANS), document(HOST_ARM, MEANS, run_id="arm"))
    assert costs.loc[costs["host"] == "aws-m6g", ["instance_cost", "vcpu_cost"]].isna().all().all()
    assert set(cheapest(costs)["host"]) == {"azure-d2"}


def test_serverless_tariff_must_be_positive():
    with pytest.raises(WasmbenchError, match="must be positive"):
        Serverless(gb_second_price=0.0)


@pytest.mark.parametrize(("value", "text"), [(23.61, "23.6"), (0.0023612, "0.00236"), (83333.3, "83,333")])
def test_money_keeps_three_significant_digits_without_an_exponent(value, text):
    assert money(value) == text


def test_report_of_two_hosts_gives_cost_tables_per_host_and_the_cheapest_pair(tmp_path):
    # x86: faster, 0.36 USD/h for 4 vCPUs (0.09 a vCPU); ARM: 1.5× slower, 0.10 USD/h for 2 (0.05 a vCPU)
    x86 = document(PRICED_X86, MEANS, noise=0.0)
    arm = document(HOST_ARM, {key: mean * 1.5 for key, mean in MEANS.items()}, noise=0.0, run_id="arm")
    report = write_report([x86, arm], tmp_path, prices={"aws-m6g": Price(0.10)})
    text = report.markdown
    assert text.count("**Cost per million runs, whole instance (USD)**") == 2
    assert text.count("**Cost per million runs, per vCPU (USD)**") == 2
    assert "0.36 USD/h (inventory / environment) ÷ 3600 × 10⁶ ÷ 4 vCPUs" in text
    assert "0.1 USD/h (--prices) ÷ 3600 × 10⁶ ÷ 2 vCPUs" in text
    cheapest_part = text[text.index("## Price-performance") :]
    # per vCPU: x86 1 s × 0.09 = 25.0; ARM 1.5 s × 0.05 = 20.8: ARM wins although slower
    assert "- nbody/default: aws-m6g · native — 20.8 USD per million runs per vCPU" in cheapest_part
    assert "- mandelbrot/default: aws-m6g · native — 41.7 USD per million runs per vCPU" in cheapest_part
    assert "No price" not in text
    assert (tmp_path / "cost.png").read_bytes().startswith(b"\x89PNG")
    assert "Price-performance" in (tmp_path / "report.html").read_text()


def test_report_says_which_hosts_have_no_price(tmp_path):
    text = write_report([document(HOST_X86, MEANS)], tmp_path).markdown
    assert "Cost per million runs" not in text
    assert "**No price, no cost shown**\n\n- azure-d2: set wasmbench_price_per_hour" in text
    assert not (tmp_path / "cost.png").exists()
