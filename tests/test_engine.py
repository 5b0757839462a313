"""The measuring loop, tested fast with a fake runner: rounds and their order, warmup, timeouts,
the stop rule, resume after a kill in the middle of a round, layout padding, the schedules, and
disturbed runs measured again."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest
from synthetic import header

from wasmbench.build.inputs import Inputs
from wasmbench.build.toolchain import Artefact
from wasmbench.execution.interference import (
    DISTURBED_EXCESS,
    SLOWER_THAN_MEDIAN,
    disturbed_runs,
    slower_than_usual,
)
from wasmbench.execution.layout import MAX_PADDING
from wasmbench.execution.usage import Usage
from wasmbench.measuring.engine import Engine
from wasmbench.measuring.job import Job
from wasmbench.measuring.options import CONSECUTIVE, SuiteOptions
from wasmbench.measuring.plan import Pair, make_plan
from wasmbench.measuring.stopping import CI_REACHED, MAX_RUNS, MAX_TIME
from wasmbench.reports.frame import runs_frame
from wasmbench.reports.summary import cell_summaries
from wasmbench.runtimes.runner import Declaration, Invocation, Mode, Prepared, Runner, RunOutcome
from wasmbench.store.journal import Journal
from wasmbench.store.results import result_document

MODES = ("a", "b", "c")
NATIVE = "default"


class Expected:
    """The output check of the fake program: it must print ``ok``."""

    description = "prints ok"
    exit_code = 0

    def mismatch(self, output: bytes) -> str | None:
        return None if output == b"ok\n" else f"printed {output!r}"

    def summary(self, output: bytes) -> str:
        return ""


class FakeRunner(Runner):
    """Runs nothing: each call logs its mode and answers with ``behaviour(mode, call number)``
    (seconds, or an outcome), writing the expected output."""

    declaration = Declaration("fake", "fake", tuple(Mode(mode) for mode in (NATIVE, *MODES)))

    def __init__(self, behaviour: Callable[[str, int], float | RunOutcome] = lambda mode, call: 1.0) -> None:
        self.behaviour = behaviour
        self.calls: list[str] = []

    def availability(self, mode):  # pragma: no cover - never asked by the engine
        raise AssertionError

    def version(self) -> dict[str, str]:
        return {"fake": "1"}

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        self.calls.append(prepared.mode)
        answer = self.behaviour(prepared.mode, sum(mode == prepared.mode for mode in self.calls))
        invocation.stdout.write_bytes(b"ok\n")
        return (
            answer if isinstance(answer, RunOutcome) else RunOutcome(Usage(int(answer * 1e9), 0.0, 0.0, 1024))
        )


def suite(
    tmp_path: Path, runner: FakeRunner, modes: tuple[str, ...] = MODES, **options
) -> tuple[Journal, Engine]:
    """A suite of one workload under ``modes`` of the fake runner; the mode ``default`` stands for
    native's (the denominator of the ratios)."""
    options = SuiteOptions(**{"seed": 1, "runs": 4, "warmup": 1, "auto": False, "ci_target": 0.02, **options})
    runtime_modes = [("native" if mode == NATIVE else "fake", mode) for mode in modes]
    plan = make_plan(["w"], ["test"], runtime_modes, options.seed)
    journal = Journal.create(tmp_path / "suite.jsonl", header([p.key for p in plan], **asdict(options)))
    return journal, engine(journal, runner, options)


def engine(journal: Journal, runner: FakeRunner, options: SuiteOptions) -> Engine:
    artefact = Artefact("w", "native", Path("/bin/true"), "0" * 64, (), cached=True)

    def bind(pair: Pair) -> Job:
        prepared = Prepared(artefact, pair.mode, artefact.path)
        return Job.bind(pair, runner, prepared, Inputs(None, (), Expected()), (), 10.0, {})

    return Engine(journal, options, bind, progress=False)


def rounds_of(journal: Journal) -> dict[str, list[int | None]]:
    return {key.split("/")[-1]: [run.round for run in runs] for key, runs in journal.runs.items()}


def test_every_round_runs_every_mode_once_in_a_shuffled_order_after_a_warmup_round(tmp_path):
    runner = FakeRunner()
    journal, loop = suite(tmp_path, runner)
    loop.run()
    assert len(runner.calls) == 5 * 3, "one warmup round, then four measured rounds"
    blocks = [runner.calls[start : start + 3] for start in range(0, 15, 3)]
    assert all(sorted(block) == list(MODES) for block in blocks), "each round runs every mode before the next"
    assert len({tuple(block) for block in blocks}) > 1, "the order is shuffled afresh in each round"
    assert rounds_of(journal) == {mode: [0, 1, 2, 3] for mode in MODES}
    for index in range(4):
        positions = sorted(runs[index].position for runs in journal.runs.values())
        assert positions == [0, 1, 2]
    assert set(journal.done.values()) == {""}


def test_the_same_seed_gives_the_same_order_and_another_seed_another(tmp_path):
    orders = []
    for seed in (1, 1, 2):
        runner = FakeRunner()
        folder = tmp_path / f"{len(orders)}"
        folder.mkdir()
        suite(folder, runner, seed=seed)[1].run()
        orders.append(runner.calls)
    assert orders[0] == orders[1] != orders[2]


def test_a_timeout_leaves_that_modes_remaining_rounds_and_the_others_go_on(tmp_path):
    timed_out = RunOutcome(Usage(10**10, 0.0, 0.0, 0), exit_code=None, timed_out=True)
    runner = FakeRunner(lambda mode, call: timed_out if (mode, call) == ("b", 3) else 1.0)
    journal, loop = suite(tmp_path, runner)
    loop.run()
    assert [run.status.value for run in journal.runs["w/test/fake/b"]] == ["ok", "timeout"]
    assert journal.done["w/test/fake/b"] == "timeout"
    assert rounds_of(journal)["a"] == rounds_of(journal)["c"] == [0, 1, 2, 3]


def test_auto_stops_each_mode_once_it_is_within_the_target_and_not_before(tmp_path):
    steady = FakeRunner(lambda mode, call: 1.0 + call * 1e-4)
    journal, loop = suite(tmp_path, steady, runs=30, auto=True, max_runs=30)
    loop.run()
    assert rounds_of(journal) == {mode: [0, 1, 2, 3, 4] for mode in MODES}
    assert set(journal.done.values()) == {CI_REACHED}

    noisy = FakeRunner(lambda mode, call: 1.0 + (0.5 * (call % 2) if mode == "c" else 0.0))
    (tmp_path / "noisy").mkdir()
    journal, loop = suite(tmp_path / "noisy", noisy, runs=8, auto=True, max_runs=8)
    loop.run()
    assert {mode: len(rounds) for mode, rounds in rounds_of(journal).items()} == {"a": 5, "b": 5, "c": 8}
    assert journal.done == {
        "w/test/fake/a": CI_REACHED,
        "w/test/fake/b": CI_REACHED,
        "w/test/fake/c": MAX_RUNS,
    }, "a noisy mode no longer holds the settled ones"


def test_a_mode_within_the_target_stops_while_native_goes_on_with_the_others(tmp_path):
    # a is steady (settled after five rounds), b wobbles by ±1.5 % (six), c by ±50 % (never)
    wobble = {"a": 0.0, "b": 0.015, "c": 0.5, NATIVE: 0.0}
    runner = FakeRunner(lambda mode, call: 1.0 + wobble[mode] * (-1) ** call)
    journal, loop = suite(tmp_path, runner, modes=(NATIVE, *MODES), runs=12, auto=True, max_runs=12)
    loop.run()
    rounds = rounds_of(journal)
    assert rounds == {"a": list(range(5)), "b": list(range(6)), "c": list(range(12)), NATIVE: list(range(12))}
    assert journal.done == {
        "w/test/fake/a": CI_REACHED,
        "w/test/fake/b": CI_REACHED,
        "w/test/fake/c": MAX_RUNS,
        "w/test/native/default": MAX_RUNS,
    }
    measured = runner.calls[4:]  # after the warmup round
    later_rounds = [sorted(measured[start : start + 2]) for start in range(4 * 5 + 3, len(measured), 2)]
    assert later_rounds == [sorted([NATIVE, "c"])] * 6, "later rounds interleave native and c alone"
    for index in range(12):
        in_round = [runs[index].position for runs in journal.runs.values() if len(runs) > index]
        assert sorted(in_round) == list(range(len(in_round))), "positions count the modes still running"
    per_pair = {
        entry["extra_info"]["mode"]: (len(entry["extra_info"]["runs"]), entry["extra_info"]["stop_reason"])
        for entry in result_document(journal).to_dict()["benchmarks"]
    }
    assert per_pair == {
        "a": (5, CI_REACHED),
        "b": (6, CI_REACHED),
        "c": (12, MAX_RUNS),
        NATIVE: (12, MAX_RUNS),
    }, "the result file says how many rounds each mode had and why it stopped"


def test_native_stays_until_the_last_mode_has_stopped_and_the_time_limit_holds_per_mode(tmp_path):
    # b costs 2 s a run and wobbles by ±25 %: it spends the 9 s budget in four runs
    runner = FakeRunner(lambda mode, call: 2.0 + 0.5 * (call % 2) if mode == "b" else 1.0 + call * 1e-4)
    journal, loop = suite(tmp_path, runner, modes=(NATIVE, "a", "b"), auto=True, max_runs=30, max_time_s=9.0)
    loop.run()
    assert {mode: len(rounds) for mode, rounds in rounds_of(journal).items()} == {NATIVE: 5, "a": 5, "b": 4}
    assert journal.done == {
        "w/test/fake/a": CI_REACHED,
        "w/test/fake/b": MAX_TIME,
        "w/test/native/default": CI_REACHED,
    }, "native runs a fifth round alone: its own mean needs five runs"


def test_an_auto_suite_resumed_after_a_mode_stopped_runs_only_the_others(tmp_path):
    wobble = {"a": 0.0, "c": 0.5, NATIVE: 0.0}

    def killed_mid_round(mode: str, call: int) -> float:
        if len(runner.calls) == 3 + 3 * 5 + 2 + 2:  # warmup, five rounds of three, two of two, one
            raise KeyboardInterrupt
        return 1.0 + wobble[mode] * (-1) ** call

    runner = FakeRunner(killed_mid_round)
    journal, loop = suite(tmp_path, runner, modes=(NATIVE, "a", "c"), auto=True, max_runs=8)
    with pytest.raises(KeyboardInterrupt):
        loop.run()
    resumed = Journal.open(journal.path)
    assert resumed.done == {"w/test/fake/a": CI_REACHED}
    assert sorted(len(runs) for runs in resumed.runs.values()) == [5, 6, 7]
    again = FakeRunner(lambda mode, call: 1.0 + wobble[mode] * (-1) ** call)
    engine(resumed, again, SuiteOptions(**resumed.header.options)).run()
    assert "a" not in again.calls
    assert {mode: len(rounds) for mode, rounds in rounds_of(Journal.open(journal.path)).items()} == {
        "a": 5,
        "c": 8,
        NATIVE: 8,
    }


def test_a_suite_killed_mid_round_resumes_with_what_that_round_lacks(tmp_path):
    def killed_at_the_ninth_run(mode: str, call: int) -> float:
        if len(runner.calls) == 9:
            raise KeyboardInterrupt
        return 1.0

    runner = FakeRunner(killed_at_the_ninth_run)
    journal, loop = suite(tmp_path, runner)
    with pytest.raises(KeyboardInterrupt):
        loop.run()
    counts = sorted(len(runs) for runs in Journal.open(journal.path).runs.values())
    assert counts == [1, 2, 2], "warmup (3 calls), round 0 (3), then two of round 1 before the kill"

    resumed = Journal.open(journal.path)
    options = SuiteOptions(**resumed.header.options)
    engine(resumed, FakeRunner(), options).run()
    assert rounds_of(Journal.open(journal.path)) == {mode: [0, 1, 2, 3] for mode in MODES}


def test_layout_padding_is_random_per_run_recorded_and_can_be_turned_off(tmp_path):
    journal, loop = suite(tmp_path, FakeRunner(), runs=10)
    loop.run()
    paddings = [run.layout_padding for runs in journal.runs.values() for run in runs]
    assert all(0 <= padding <= MAX_PADDING for padding in paddings) and len(set(paddings)) > 10
    (tmp_path / "off").mkdir()
    journal, loop = suite(tmp_path / "off", FakeRunner(), layout_randomization=False)
    loop.run()
    assert {run.layout_padding for runs in journal.runs.values() for run in runs} == {None}


def test_the_consecutive_schedule_runs_each_pairs_runs_back_to_back(tmp_path):
    runner = FakeRunner()
    journal, loop = suite(tmp_path, runner, schedule=CONSECUTIVE)
    loop.run()
    assert [mode for mode, _ in itertools.groupby(runner.calls)] == list(dict.fromkeys(runner.calls))
    assert rounds_of(journal) == {mode: [0, 1, 2, 3] for mode in MODES}


# What the measuring process must never import: the reports' libraries and the input builders'.
HEAVY_MODULES = ("pandas", "scipy", "matplotlib", "numpy", "PIL", "pytest")


@pytest.mark.parametrize("workload", ["nop", "inference"])
def test_the_loop_keeps_the_report_and_input_libraries_out_of_the_harness(tmp_path, workload):
    """A suite measures without numpy, PIL, pandas, scipy or matplotlib in its process, once the
    inputs are built (a first process builds them, as ``wasmbench build`` would)."""
    probe = f"""
import sys
from pathlib import Path
from wasmbench.measuring.options import SuiteOptions
from wasmbench.measuring.suite import Suite
options = SuiteOptions(
    workloads=[{workload!r}], sizes=["test"], runtimes=["native:default"], auto=True, max_runs=2
)
suite = Suite.create(options, Path({str(tmp_path)!r}) / f"{{sys.argv[1]}}.jsonl")
suite.build(progress=False)
if sys.argv[1] == "measure":
    suite.engine(progress=False).run()
    print(sorted(name for name in {HEAVY_MODULES!r} if name in sys.modules))
"""
    for step in ("build", "measure"):
        answer = subprocess.run([sys.executable, "-c", probe, step], capture_output=True, text=True)
        assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]"


def cpu_bound(wall_s: float, cpu_s: float) -> RunOutcome:
    """A single-threaded run that held a CPU for ``cpu_s`` of its ``wall_s``."""
    return RunOutcome(Usage(int(wall_s * 1e9), cpu_s, 0.0, 1024))


def disturbing(slow: Callable[[str, int], bool], seconds: Callable[[str], float] = lambda mode: 1.0):
    """A fake runner's behaviour: each mode's run takes ``seconds(mode)`` on the CPU, and waits
    half as long again for it (wall × 1.5: above the threshold) where ``slow(mode, call)``."""
    return lambda mode, call: cpu_bound(seconds(mode) * (1.5 if slow(mode, call) else 1.0), seconds(mode))


def disturbed_rounds(journal: Journal) -> dict[str, list[int]]:
    by_mode = {key.split("/")[-1]: runs for key, runs in journal.runs.items()}
    return {
        mode: [run.round for run, disturbed in zip(runs, disturbed_runs(runs), strict=True) if disturbed]
        for mode, runs in by_mode.items()
    }


def test_a_run_whose_wall_time_exceeds_its_cpu_time_by_the_threshold_is_marked_disturbed(tmp_path):
    # call 1 is the warmup: call 3 of mode a is round 1, just above the threshold over the lowest
    # wall ÷ CPU of a's runs (1); a's call 4 waits just below it
    waits = {3: 1.01 + DISTURBED_EXCESS, 4: 0.99 + DISTURBED_EXCESS}
    runner = FakeRunner(lambda mode, call: cpu_bound(waits.get(call, 1.0) if mode == "a" else 1.0, 1.0))
    journal, loop = suite(tmp_path, runner, max_repeats=0)
    loop.run()
    assert disturbed_rounds(journal) == {"a": [1], "b": [], "c": []}
    run = journal.runs["w/test/fake/a"][1]
    assert run.others_cpu_s is not None and run.others_cpu_s >= 0, "the host's evidence is recorded beside"
    assert run.steal_s is not None


def test_a_run_much_slower_than_its_pairs_median_is_disturbed_though_the_machine_showed_nothing(tmp_path):
    # a's call 3 (round 1) held the CPU all along but took 1.2 s where the others take 1 s: a
    # hypervisor's or hardware neighbour's slowdown, which a guest sees in no counter; call 4 is
    # slower too, but within SLOWER_THAN_MEDIAN of the median
    seconds = {3: 1.0 + 2 * SLOWER_THAN_MEDIAN, 4: 1.0 + SLOWER_THAN_MEDIAN / 2}
    runner = FakeRunner(lambda mode, call: cpu_bound(*[seconds.get(call, 1.0) if mode == "a" else 1.0] * 2))
    journal, loop = suite(tmp_path, runner, max_repeats=0)
    loop.run()
    assert disturbed_rounds(journal) == {"a": [1], "b": [], "c": []}


def test_the_median_judges_only_pairs_with_enough_runs():
    assert slower_than_usual([1.0, 1.0, 2.0]) == [False] * 3, "three runs cannot outvote a slow one"
    assert slower_than_usual([1.0, 1.0, None, 1.0, 2.0]) == [False, False, False, False, True]


def test_a_round_with_a_disturbed_run_is_repeated_and_the_repeat_replaces_it_in_the_paired_ratio(tmp_path):
    native_1s_a_2s = lambda mode: 2.0 - (mode == NATIVE)  # noqa: E731
    runner = FakeRunner(disturbing(lambda mode, call: mode == "a" and call == 2, native_1s_a_2s))
    journal, loop = suite(tmp_path, runner, modes=(NATIVE, "a", "b"), max_repeats=3)
    loop.run()
    assert rounds_of(journal) == {mode: [0, 1, 2, 3, 4] for mode in (NATIVE, "a", "b")}
    assert [run.repeat_of for run in journal.runs["w/test/fake/a"]] == [None] * 4 + [0]
    assert disturbed_rounds(journal)["a"] == [0], "the repeat ran undisturbed: nothing more to repeat"
    cells = cell_summaries(runs_frame([result_document(journal)])).set_index("mode")
    assert cells.at["a", "ratio"] == pytest.approx(2.0), "the disturbed round (ratio 3) is left out"
    assert cells.at["a", "paired_n"] == 4 and cells.at["a", "disturbed_in_ratio"] == 0
    assert cells.at["a", "disturbed"] == 1 and cells.at["a", "repeats"] == 1


@pytest.mark.parametrize("options", [{"auto": False}, {"auto": True, "max_runs": 8}], ids=["fixed", "auto"])
@pytest.mark.parametrize("bound", [0, 2])
def test_the_bound_on_repeats_stops_them(tmp_path, options, bound):
    runner = FakeRunner(disturbing(lambda mode, call: mode == "a" and 2 <= call <= 4))  # rounds 0 to 2
    journal, loop = suite(tmp_path, runner, modes=(NATIVE, "a"), max_repeats=bound, **options)
    loop.run()
    repeats = [run.repeat_of for run in journal.runs["w/test/fake/a"] if run.repeat_of is not None]
    assert repeats == list(range(bound)), "the earliest disturbed rounds first, each once"
    rounds = rounds_of(journal)
    assert rounds[NATIVE] == rounds["a"], "native runs in every repeat round too: the ratio stays paired"


def test_the_consecutive_schedule_repeats_each_pairs_disturbed_rounds_on_its_own(tmp_path):
    runner = FakeRunner(disturbing(lambda mode, call: mode == "b" and call == 3))
    journal, loop = suite(tmp_path, runner, schedule=CONSECUTIVE)
    loop.run()
    assert {mode: repeats[4:] for mode, repeats in rounds_of(journal).items()} == {"a": [], "b": [4], "c": []}
    assert journal.runs["w/test/fake/b"][4].repeat_of == 1
