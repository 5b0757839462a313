"""``wasmbench fleet run`` for real: Ansible over SSH to two sshd "hosts" on 127.0.0.2 and 127.0.0.3.

Each host installs wasmbench from a wheel of this checkout into its own folder (a venv from
PyPI), so the first run takes minutes: these tests are marked ``fleet`` and run by
``nox -s fleet`` (the fast inventory, resume and merge tests are in test_fleet.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from release_mirror import build_mirror
from ssh_hosts import SshHost, inventory, make_key, ssh_missing_reason

from wasmbench.fleet.wheel import build_wheel

pytestmark = pytest.mark.fleet
WASMBENCH = [sys.executable, "-m", "wasmbench"]
# Long enough (several seconds of native n-body) to stop a host in the middle of its suite; exactly
# three rounds (none measured again, whatever the machine's other jobs do to them).
SUITE = [
    "--size",
    "default",
    "-w",
    "nbody",
    "-r",
    "native:default",
    "--runs",
    "3",
    "--max-repeats",
    "0",
    "--poll",
    "2",
]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    reason = ssh_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("fleet")
    key = make_key(root, "id_ed25519")
    hosts = {
        name: SshHost(name, address, root / f"sshd-{name}", key)
        for name, address in (("host-a", "127.0.0.2"), ("host-b", "127.0.0.3"))
    }
    for host in hosts.values():
        host.start()
    entries = {name: host.inventory_entry(root / f"wasmbench-{name}") for name, host in hosts.items()}
    (root / "hosts.yml").write_text(yaml.safe_dump(inventory(entries, key, {"x86": list(hosts)})))
    build_wheel(root / "dist")
    yield root, hosts
    for host in hosts.values():
        host.stop()


def fleet_run(root: Path, *args: str, inventory: str = "hosts.yml") -> subprocess.Popen:
    wheel = next((root / "dist").glob("*.whl"))
    command = [*WASMBENCH, "fleet", "run", "-i", inventory, "--wheel", str(wheel), *args]
    return subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def kill_suites_in(folder: Path) -> None:
    """Kill the wasmbench processes working in ``folder``: the host crashed mid-suite."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(proc / "cwd")) == folder and b"wasmbench" in (proc / "cmdline").read_bytes():
                os.kill(int(proc.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def test_a_host_lost_mid_run_loses_nothing_from_the_other_and_resume_redoes_only_it(fleet):
    root, hosts = fleet
    first = fleet_run(root, *SUITE)
    journals = lambda: list((root / "wasmbench-host-a" / "results").glob("fleet-*.jsonl"))  # noqa: E731

    def host_a_measuring() -> bool:
        assert first.poll() is None, first.stdout.read()
        return any(json.loads(line).get("type") == "run" for path in journals() for line in path.open())

    wait_for(host_a_measuring, 900, "host-a's first measured run")
    hosts["host-a"].stop()
    kill_suites_in(root / "wasmbench-host-a")
    output, _ = first.communicate(timeout=900)

    assert first.returncode == 1, output
    state = json.loads((root / "results" / "fleet.json").read_text())
    run_id = state["run_id"]
    assert "host-a: FAILED: unreachable during run the suite" in output, output
    host_b = json.loads((root / "results" / "host-b" / f"{run_id}.json").read_text())
    assert host_b["wasmbench"]["complete"]
    assert host_b["machine_info"]["label"] == "host-b"
    assert [len(entry["stats"]["data"]) for entry in host_b["benchmarks"]] == [3]
    assert not (root / "results" / "host-a").exists() or not list(
        (root / "results" / "host-a").glob("*.json")
    )
    assert "## host-b" in output and "## host-a" not in output
    assert journals(), "host-a's interrupted suite keeps its journal"

    hosts["host-a"].start()
    second = fleet_run(root, "--resume", "--poll", "2")
    output, _ = second.communicate(timeout=900)

    assert second.returncode == 0, output
    assert "1 of 2 hosts to run (host-a)" in output
    host_a = json.loads((root / "results" / "host-a" / f"{run_id}.json").read_text())
    assert host_a["wasmbench"]["complete"] and host_a["machine_info"]["label"] == "host-a"
    assert [len(entry["stats"]["data"]) for entry in host_a["benchmarks"]] == [3]
    assert "resuming the interrupted suite" in (root / "results" / "host-a" / f"{run_id}.log").read_text()
    assert "## host-a" in output and "## host-b" in output
    report = (root / "results" / "report" / "report.md").read_text()
    assert report.count("\n## host-") == 2


def test_the_setup_step_puts_a_runtime_from_the_mirror_on_both_hosts_and_both_report_it(fleet):
    """Each host gets WasmEdge (a stand-in in the real release layout, verified against the mirror's
    SHA256SUM) into a cache of its own, and measures it."""
    root, hosts = fleet
    mirror = build_mirror(root / "mirror", root / "mirror-runtimes.toml")
    mirror.serve()
    key = root / "id_ed25519"
    prices = dict(zip(hosts, (0.096, 0.077), strict=True))  # per hour: the second host is cheaper
    entries = {
        name: {
            **host.inventory_entry(root / f"wasmbench-{name}"),
            "wasmbench_environment": {"WASMBENCH_CACHE": str(root / f"cache-{name}")},
            "wasmbench_price_per_hour": prices[name],
        }
        for name, host in hosts.items()
    }
    (root / "hosts-setup.yml").write_text(yaml.safe_dump(inventory(entries, key, {"x86": list(hosts)})))
    suite = ["-r", "native", "-r", "wasmedge:interpreter", "-w", "nop", "--size", "test", "--runs", "2"]
    options = ["--results", "results-setup", "--poll", "2", "--mirror", mirror.url]
    try:
        run = fleet_run(root, *suite, *options, inventory="hosts-setup.yml")
        output, _ = run.communicate(timeout=1800)
    finally:
        mirror.stop()
    assert run.returncode == 0, output
    results = root / "results-setup"
    run_id = json.loads((results / "fleet.json").read_text())["run_id"]
    digests = set()
    for name in hosts:
        assert f"{name}: setup: wasmedge: installed: 0.17.1 in {root / f'cache-{name}'}" in output, output
        document = json.loads((results / name / f"{run_id}.json").read_text())
        assert {
            (entry["extra_info"]["runtime"], entry["extra_info"]["mode"]) for entry in document["benchmarks"]
        } >= {("wasmedge", "interpreter")}
        digests.add(json.dumps(document["machine_info"]["runtime_archives"]["wasmedge"]))
    assert len(digests) == 1  # both hosts ran the same runtime build
    report = (results / "report" / "report.md").read_text()
    blocks = report.split("\n## ")[1:]
    for name in hosts:
        block = next(block for block in blocks if block.startswith(name))
        assert "wasmedge:interpreter" in block
        assert f"**Cost per million runs, per vCPU (USD)** — mean wall s × {prices[name]:g} USD/h" in block
    assert "**Cheapest per workload**" in report
    cheapest = r"- nop/test: host-[ab] · (native|native:host|wasmedge:interpreter) — [\d.,]+ USD"
    assert re.search(cheapest, report), report
