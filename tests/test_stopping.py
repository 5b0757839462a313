"""``--runs auto``: the stop rule, and the ``--runs`` argument."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.options import SuiteOptions, runs_options
from wasmbench.measuring.stopping import (
    CI_REACHED,
    MAX_TIME,
    NO_VALID_RUN,
    StopRule,
    runs_argument,
)


def runs(*seconds: float, status: Status = Status.OK) -> list[Measurement]:
    """One run per round, from round 0."""
    return [
        Measurement(status, Usage(int(s * 1e9), 0.0, 0.0, 0), 0, None, "", 0, round=index)
        for index, s in enumerate(seconds)
    ]


RULE = StopRule(ci_target=0.02, max_time_s=60.0)


STEADY = runs(1.0, 1.001, 0.999, 1.0, 1.002)
NOISY = runs(1.0, 1.5, 0.7, 1.3, 0.8)


def test_steady_runs_stop_once_five_are_within_the_target():
    assert RULE.reason(runs(1.0, 1.001, 0.999, 1.0)) is None, "fewer than five runs never stop on the CI"
    assert RULE.reason(STEADY) == CI_REACHED


def test_each_mode_stops_on_its_own():
    assert RULE.stopping({"steady": STEADY, "noisy": NOISY}, baseline=None) == {"steady": CI_REACHED}
    assert RULE.stopping({"noisy": NOISY}, baseline=None) == {}


def test_native_goes_on_until_every_other_mode_has_stopped():
    assert RULE.stopping({"native": STEADY, "steady": STEADY, "noisy": NOISY}, "native") == {
        "steady": CI_REACHED
    }, "native is within the target but the noisy mode still needs its pairs"
    both = RULE.stopping({"native": STEADY, "steady": STEADY}, "native")
    assert list(both.items()) == [("steady", CI_REACHED), ("native", CI_REACHED)], "native last"
    assert RULE.stopping({"native": NOISY, "steady": STEADY}, "native") == {}, "native's own mean too"


def test_a_mode_also_needs_its_paired_ratio_to_native_within_the_target():
    # native's rounds wander by ±5 %: a steady mode's per-round ratios to it wander as much
    wandering = runs(1.0, 1.05, 0.95, 1.05, 0.95)
    assert RULE.reason(STEADY, native=wandering) is None
    assert RULE.reason(STEADY, native=STEADY) == CI_REACHED
    # a shared drift cancels in the ratios but leaves the mode's own mean unknown: both must hold
    drifting = runs(1.0, 1.2, 1.4, 1.6, 1.8)
    assert RULE.reason(drifting, native=drifting) is None


def test_the_ratio_pairs_runs_of_the_same_round_and_only_valid_ones():
    native = [*runs(1.0, 1.0, 1.0), *runs(9.0, 9.0, status=Status.CRASHED)]
    native = [run.with_run_context(index, None, None) for index, run in enumerate(native)]
    assert RULE.reason(STEADY, native=native) is None, "three pairs define no ratio interval"
    later = [run.with_run_context(run.round + 5, None, None) for run in STEADY]
    assert RULE.reason(STEADY, native=later) is None, "no round in common"


def test_the_ratio_leaves_out_disturbed_rounds_as_the_report_does():
    # a neighbour took native's CPU for half a second in rounds 1 and 3
    native = [
        replace(run, usage=replace(run.usage, user_s=1.0)) for run in runs(1.0, 1.5, 1.0, 1.5, 1.0, 1.0, 1.0)
    ]
    steady = runs(*[1.0] * 7)
    assert RULE.reason(steady[:5], native=native[:5]) is None, "three undisturbed rounds define no interval"
    assert RULE.reason(steady, native=native) == CI_REACHED, "five undisturbed rounds do"


def test_noisy_runs_go_on_until_that_mode_has_spent_the_time_budget():
    assert RULE.reason(NOISY) is None
    short = StopRule(ci_target=0.02, max_time_s=5.0)
    assert short.stopping({"steady": STEADY, "noisy": NOISY}, None) == {
        "steady": CI_REACHED,
        "noisy": MAX_TIME,
    }
    assert short.stopping({"native": NOISY, "other": NOISY[:3]}, "native") == {"native": MAX_TIME}, (
        "native stops at its limit even while others run"
    )


def test_a_mode_that_failed_every_run_does_not_hold_the_others_to_the_limits():
    crashed = runs(1.0, 1.0, 1.0, 1.0, status=Status.CRASHED)
    assert RULE.stopping({"native": STEADY, "crashed": crashed}, "native") == {}, (
        "four failures may be bad luck"
    )
    five = runs(1.0, 1.0, 1.0, 1.0, 1.0, status=Status.CRASHED)
    assert list(RULE.stopping({"native": STEADY, "crashed": five}, "native").items()) == [
        ("crashed", NO_VALID_RUN),
        ("native", CI_REACHED),
    ]


def test_failed_runs_count_towards_time_but_not_towards_the_interval():
    failed = runs(1.0, 1.0, 1.0, 1.0, status=Status.WRONG_OUTPUT)
    assert RULE.reason([*failed, *runs(1.0)]) is None, "one valid run defines no interval"
    assert StopRule(ci_target=0.02, max_time_s=4.0).reason(failed) == MAX_TIME


def test_runs_argument_and_the_options_it_gives():
    assert runs_argument("7") == 7 and runs_argument("auto") == "auto"
    with pytest.raises(ValueError, match="a number or 'auto'"):
        runs_argument("many")
    fixed = SuiteOptions(**runs_options(7, 30, 120.0, 2.0))
    assert (fixed.rounds, fixed.stop_rule) == (7, None)
    auto = SuiteOptions(**runs_options("auto", 30, 120.0, 2.0))
    assert auto.rounds == 30 and auto.stop_rule == StopRule(0.02, 120.0)
