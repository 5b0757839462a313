"""The fleet without SSH: inventories, forwarded options, resume state, host labels, the merged report.

The real Ansible run against two sshd hosts is in test_fleet_ssh.py (``nox -s fleet``).
"""

from __future__ import annotations

import json
from importlib import resources

import pytest
import yaml
from synthetic import HOST_X86, TWO_RUNTIMES, document

from wasmbench.cli import main, make_parser
from wasmbench.commands.fleet import setup_argv
from wasmbench.fleet.inventory import group_hosts, inventory_hosts
from wasmbench.fleet.playbook import PLAYBOOK
from wasmbench.fleet.state import FleetRun
from wasmbench.host.machine import machine_info
from wasmbench.measuring.options import suite_argv
from wasmbench.provision import system
from wasmbench.provision.runtimes import SetupRequest
from wasmbench.runners.docker import engine as docker_engine
from wasmbench.store.paths import default_result_path

INVENTORY = {
    "all": {
        "vars": {"ansible_user": "bench"},
        "children": {
            "x86": {"hosts": {"azure-d2": {"ansible_host": "10.0.0.1"}, "aws-c6i": {}}},
            "arm": {"hosts": {"aws-m6g": {"wasmbench_dir": "/srv/wasmbench"}}},
        },
    }
}


@pytest.fixture
def hosts_file(tmp_path):
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(INVENTORY, sort_keys=False))
    return path


def test_the_hosts_of_every_group_are_read_by_ansible(hosts_file):
    assert inventory_hosts(hosts_file) == ["azure-d2", "aws-c6i", "aws-m6g"]


def test_group_hosts_walks_children_and_names_each_host_once():
    listing = {
        "all": {"children": ["x86", "arm", "fast"]},
        "x86": {"hosts": ["a", "b"]},
        "arm": {"hosts": ["c"]},
        "fast": {"hosts": ["b", "c"]},
    }
    assert group_hosts(listing, "all") == ["a", "b", "c"]


def test_suite_options_are_forwarded_as_given_and_parse_back_the_same():
    argv = ["fleet", "run", "-i", "hosts.yml", "--size", "test", "-w", "nbody", "-w", "nop", "--runs", "3"]
    args = make_parser().parse_args([*argv, "--seed", "7", "--timeout", "60"])
    forwarded = suite_argv(vars(args))
    assert forwarded == [
        "--workload", "nbody", "--workload", "nop", "--size", "test", "--runs", "3",
        "--timeout", "60.0", "--seed", "7",
    ]  # fmt: skip
    again = make_parser().parse_args(["run", *forwarded])
    assert (again.workload, again.size, again.runs, again.seed, again.timeout) == (
        ["nbody", "nop"], ["test"], 3, 7, 60.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--size", "huge"], "unknown size huge"),
        (["--resume", "--size", "test"], "--resume continues the fleet run as it was started"),
        (["--resume"], "there is no fleet run to resume"),
        (["--mirror", "/srv/mirror"], "the mirror must be an http:// or https:// URL"),
    ],
)
def test_bad_fleet_input_is_one_line_before_any_host_is_touched(capsys, tmp_path, hosts_file, extra, message):
    code = main(["fleet", "run", "-i", str(hosts_file), "--results", str(tmp_path / "results"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not list((tmp_path / "results").glob("*/*"))


def test_an_inventory_without_hosts_is_an_error(capsys, tmp_path):
    empty = tmp_path / "empty.yml"
    empty.write_text("all: {}\n")
    assert main(["fleet", "run", "-i", str(empty)]) == 2
    assert "no hosts in inventory" in capsys.readouterr().err
    assert main(["fleet", "run", "-i", str(tmp_path / "missing.yml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def fetched(results, fleet: FleetRun, host: str, complete: bool = True) -> None:
    # Both "hosts" report this machine's hostname: only the label (the inventory name) differs.
    result = document({**HOST_X86, "label": host}, TWO_RUNTIMES, run_id=fleet.run_id)
    result.unfinished = [] if complete else [result.pairs[0].pair.key]
    path = fleet.result_path(results, host)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(result.to_dict()))


def test_only_hosts_without_a_complete_result_are_redone(tmp_path):
    results = tmp_path / "results"
    fleet = FleetRun.new(["--size", "test"])
    fleet.save(results)
    fetched(results, fleet, "azure-d2")
    fetched(results, fleet, "aws-c6i", complete=False)
    loaded = FleetRun.load(results)
    assert loaded == fleet
    assert loaded.complete_result(results, "azure-d2") is not None
    assert loaded.complete_result(results, "aws-c6i") is None  # interrupted: redone
    assert loaded.complete_result(results, "aws-m6g") is None  # never fetched


def test_resume_with_every_result_in_only_merges_them_into_one_report_with_a_block_per_host(
    capsys, tmp_path, hosts_file
):
    results = tmp_path / "results"
    fleet = FleetRun.new([])
    fleet.save(results)
    for host in inventory_hosts(hosts_file):
        fetched(results, fleet, host)
    code = main(["fleet", "run", "-i", str(hosts_file), "--results", str(results), "--resume"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 of 3 hosts to run (none)" in out
    report = (results / "report" / "report.md").read_text()
    for host in ("azure-d2", "aws-c6i", "aws-m6g"):
        assert f"## {host} — x86_64" in report
        assert f"{host}: ok: {fleet.result_path(results, host)}" in out


def test_the_host_label_names_the_host_in_results(monkeypatch, tmp_path):
    monkeypatch.setenv("WASMBENCH_HOST_LABEL", "aws-m6g")
    assert machine_info()["label"] == "aws-m6g"
    assert default_result_path(tmp_path).name.startswith("aws-m6g-")


def test_fleet_suite_on_a_host_leaves_a_finished_suite_alone(capsys, tmp_path):
    output = tmp_path / "results" / "fleet-1.json"
    output.parent.mkdir()
    output.write_text("{}")
    assert main(["fleet", "suite", "-o", str(output), "--size", "test"]) == 0
    assert "holds this suite already" in capsys.readouterr().out
    assert output.read_text() == "{}"


def test_the_setup_step_installs_what_the_suite_asks_for_from_the_mirror():
    mirror = "http://127.0.0.1:8000"
    asked = ["--runtime", "wasmedge:jit", "--runtime", "native", "--runtime", "wasmedge", "--runtime", "wavm"]
    assert setup_argv(asked, mirror) == ["wasmedge", "wavm", "--mirror", mirror]
    assert setup_argv([], None) == []  # every runtime
    assert setup_argv(["--runtime", "native", "--runtime", "wasmtime"], mirror) is None  # nothing to set up


def playbook_tasks() -> dict[str, dict]:
    play = yaml.safe_load((resources.files("wasmbench.fleet") / PLAYBOOK).read_text())[0]
    return {task["name"]: task for task in play["tasks"]}


def test_the_playbook_asks_for_become_only_where_the_inventory_allows_it():
    tasks = playbook_tasks()
    root = tasks["Set up what needs root (become)"]
    assert root["become"] is True
    assert "wasmbench_become | default(false)" in root["when"]
    assert "--system-only" in root["ansible.builtin.command"]["argv"]
    user = tasks["Set up the runtimes"]
    assert "become" not in user and user["when"] == "wasmbench_setup"


def test_without_become_a_docker_engine_is_skipped_with_the_reason(monkeypatch):
    monkeypatch.setattr(system, "is_root", lambda: False)
    monkeypatch.setattr(docker_engine, "engine_version", lambda: "")
    outcome = docker_engine.setup_engine(SetupRequest("docker"))
    assert outcome.status == "skipped"
    assert "needs root" in outcome.detail
    assert "wasmbench_become: true" in outcome.detail


def test_the_suite_gets_the_host_label_and_its_price_from_the_inventory():
    environment = playbook_tasks()[
        "Start the suite (resumed if interrupted; one suite at a time per wasmbench folder)"
    ]["environment"]
    for name in ("WASMBENCH_HOST_LABEL", "WASMBENCH_PRICE_PER_HOUR", "wasmbench_price_per_hour"):
        assert name in environment
    assert "WASMBENCH_PRICE_CURRENCY" in environment and "wasmbench_price_currency" in environment
