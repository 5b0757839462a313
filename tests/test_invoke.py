"""``wasmbench invoke`` on fake hosts: a fake runtime (cold runs and a warm host process answering
nop's output), a fake front (``fake_front.py``) in place of ``wasmbench serve``, the real hey."""

from __future__ import annotations

import functools
import itertools
import json
import sys
from pathlib import Path

import pytest

from wasmbench.cli import main
from wasmbench.commands import invoke as invoke_command
from wasmbench.execution.usage import Usage
from wasmbench.measuring import suite as suite_module
from wasmbench.runtimes.runner import NATIVE, Declaration, Invocation, Mode, Prepared, Runner, RunOutcome
from wasmbench.serving import invoke as invoke_module
from wasmbench.serving.channel import HostProcess
from wasmbench.serving.invoke import Invoker
from wasmbench.serving.load import parse_hey_csv
from wasmbench.store.results import load_document

TESTS = Path(__file__).parent
NOP_OUTPUT = b"wasmbench nop\n"
SMALL = [
    "-w",
    "nop",
    "--size",
    "test",
    "--cold",
    "3",
    "--requests",
    "20",
    "-c",
    "1",
    "-c",
    "2",
    "--density",
    "2",
]


class Fake(Runner):
    """``cold``: a run writes nop's output; ``held``: the same, warm in a host process;
    ``flaky``: every other run writes a wrong output."""

    declaration = Declaration(
        "fake",
        "Fake",
        (Mode("cold", NATIVE), Mode("held", NATIVE, warm=True), Mode("flaky", NATIVE)),
        representative=("held",),
    )

    def __init__(self) -> None:
        self.runs = itertools.count()

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        wrong = prepared.mode == "flaky" and next(self.runs) % 2
        invocation.stdout.write_bytes(b"wrong\n" if wrong else NOP_OUTPUT)
        return RunOutcome(Usage(1_000_000, 0.001, 0.0, 2048))

    def serve(self, prepared: Prepared) -> HostProcess:
        return HostProcess([sys.executable, str(TESTS / "serving_nop_host.py")], name="fake")


def fake_front(*args: object, wrong_every: int = 0) -> list[str]:
    spec, workload, size, path, instances, _timeout_s = args
    return [
        sys.executable,
        str(TESTS / "fake_front.py"),
        *("-r", spec, "-w", workload, "--size", size, "--path", path, "--instances", str(instances)),
        *("--port", "0", "--wrong-every", str(wrong_every)),
    ]


@pytest.fixture
def fakes(monkeypatch, tmp_path):
    """The fake runtime as the only one, the fake front for ``wasmbench serve``; in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(suite_module, "create_runners", lambda emulation=None: {"fake": Fake()})

    def front(wrong_every: int = 0) -> None:
        serve = functools.partial(fake_front, wrong_every=wrong_every)
        monkeypatch.setattr(invoke_command, "Invoker", functools.partial(Invoker, serve_command=serve))

    front()
    return front


def invocations(path: Path) -> dict[str, object]:
    return {result.key: result for result in load_document(path).invocations}


def test_every_mode_is_served_cold_and_warm_where_it_can_be(fakes, capsys):
    assert main(["invoke", "-r", "fake:cold", "-r", "fake:held", *SMALL, "-o", "r.json"]) == 0
    results = invocations(Path("r.json"))
    assert sorted(results) == [
        "nop/test/fake/cold/cold",
        "nop/test/fake/held/cold",
        "nop/test/fake/held/warm",
    ]
    for result in results.values():
        assert [start.round for start in result.cold_starts] == [0, 1, 2]
        assert all(start.status == "ok" and start.wall_ns > 0 for start in result.cold_starts)
    warm = results["nop/test/fake/held/warm"]
    assert [point.instances for point in warm.memory] == [1, 2]
    assert warm.cold_starts[0].peak_rss_bytes > 0, "the warm host's peak RSS"
    # the warm path is loaded; the cold path of a mode with a warm one is not; a mode without is, cold
    assert [(run.concurrency, run.requests) for run in warm.loads] == [(1, 20), (2, 20)]
    assert not results["nop/test/fake/held/cold"].loads
    assert [run.requests for run in results["nop/test/fake/cold/cold"].loads] == [3, 2], (
        "at most --cold, a multiple of the clients"
    )
    assert all(len(run.latencies_ns) == run.requests and not run.errors for run in warm.loads)
    assert not Path("r.jsonl").exists()
    out = capsys.readouterr().out
    assert "## Invocations — " in out and "fake:held (warm)" in out


def cold_start_orders(path: Path) -> list[list[str]]:
    """Each cold-start round's units, in the order they ran."""
    starts = [
        (start.round, start.position, key)
        for key, result in invocations(path).items()
        for start in result.cold_starts
    ]
    return [[key for round_index, _, key in sorted(starts) if round_index == wanted] for wanted in range(3)]


def test_every_round_runs_every_unit_once_in_the_seed_s_order(fakes):
    for output in ("a.json", "b.json"):
        assert (
            main(["invoke", "-r", "fake:cold", "-r", "fake:held", *SMALL, "--seed", "7", "-o", output]) == 0
        )
    orders = cold_start_orders(Path("a.json"))
    assert all(sorted(order) == sorted(orders[0]) and len(order) == 3 for order in orders)
    assert orders == cold_start_orders(Path("b.json"))


def test_wrong_responses_are_counted_and_kept_out_of_the_latencies(fakes):
    fakes(wrong_every=4)
    assert main(["invoke", "-r", "fake:held", "-r", "fake:flaky", *SMALL, "-o", "r.json"]) == 0
    results = invocations(Path("r.json"))
    for run in results["nop/test/fake/held/warm"].loads:
        assert run.errors == {"500": 5} and len(run.latencies_ns) == 15
    flaky = [start.status for start in results["nop/test/fake/flaky/cold"].cold_starts]
    assert flaky.count("wrong_output") == 1 and flaky.count("ok") == 2

    from wasmbench.reports.invocations import invocation_frames

    units, loads = invocation_frames([load_document(Path("r.json"))])
    flaky_unit = units[units["unit"] == "fake:flaky (cold)"].iloc[0]
    assert flaky_unit["cold_failed"] == 1 and flaky_unit["cold_n"] == 3
    warm_loads = loads[loads["unit"] == "fake:held (warm)"]
    assert (warm_loads["ok"] == 15).all() and (warm_loads["error_rate"] == 0.25).all()


def test_an_interrupted_invoke_resumes_where_it_stopped(fakes, monkeypatch):
    real, calls = invoke_module.cold_start, itertools.count()

    def interrupted(*args):
        if next(calls) == 4:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(invoke_module, "cold_start", interrupted)
    assert main(["invoke", "-r", "fake:cold", "-r", "fake:held", *SMALL, "-o", "results/r.json"]) == 130
    journal = [json.loads(line) for line in Path("results/r.jsonl").read_text().splitlines()]
    assert sum(record["type"] == "invocation" for record in journal) == 4
    assert journal[0]["benchmark"] == "invoke"
    assert main(["run", "--resume"]) == 2, "run's --resume passes over an invoke journal"
    monkeypatch.setattr(invoke_module, "cold_start", real)
    assert main(["invoke", "--resume"]) == 0
    for result in invocations(Path("results/r.json")).values():
        assert sorted(start.round for start in result.cold_starts) == [0, 1, 2]


def test_hey_rows_keep_200_latencies_and_count_the_other_statuses():
    csv = (
        "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n"
        "0.0012,0,0,0,0,0,200,0.0000\n"
        "0.0500,0,0,0,0,0,500,0.0010\n"
        "0.0020,0,0,0,0,0,200,0.0100\n"
        "0.0030,0,0,0,0,0,504,0.0200\n"
    )
    result = parse_hey_csv(csv)
    assert result.latencies_ns == [1_200_000, 2_000_000]
    assert result.errors == {"500": 1, "504": 1}
    assert result.duration_s == pytest.approx(0.051), "from the first request to the last response"
