"""``--runs auto``: the stop rule, and the ``--runs`` argument."""

from __future__ import annotations

import pytest

from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status
from wasmbench.measuring.options import SuiteOptions, runs_options
from wasmbench.measuring.stopping import CI_REACHED, MAX_TIME, StopRule, runs_argument


def runs(*seconds: float, status: Status = Status.OK) -> list[Measurement]:
    return [Measurement(status, Usage(int(s * 1e9), 0.0, 0.0, 0), 0, None, "", 0) for s in seconds]


RULE = StopRule(ci_target=0.02, max_time_s=60.0)


STEADY = runs(1.0, 1.001, 0.999, 1.0, 1.002)
NOISY = runs(1.0, 1.5, 0.7, 1.3, 0.8)


def test_steady_runs_stop_once_five_are_within_the_target():
    assert RULE.reason([runs(1.0, 1.001, 0.999, 1.0)]) is None, "fewer than five runs never stop on the CI"
    assert RULE.reason([STEADY]) == CI_REACHED


def test_a_workload_stops_only_when_every_mode_is_within_the_target():
    assert RULE.reason([STEADY, NOISY]) is None
    assert RULE.reason([STEADY, STEADY]) == CI_REACHED


def test_noisy_runs_go_on_until_one_mode_has_spent_the_time_budget():
    assert RULE.reason([NOISY]) is None
    assert StopRule(ci_target=0.02, max_time_s=5.0).reason([STEADY, NOISY]) == MAX_TIME


def test_a_mode_that_failed_every_run_does_not_hold_the_others_to_the_limits():
    crashed = runs(1.0, 1.0, 1.0, 1.0, status=Status.CRASHED)
    assert RULE.reason([STEADY, crashed]) is None, "four failures may still be bad luck"
    assert RULE.reason([STEADY, [*crashed, *runs(1.0, status=Status.CRASHED)]]) == CI_REACHED


def test_failed_runs_count_towards_time_but_not_towards_the_interval():
    failed = runs(1.0, 1.0, 1.0, 1.0, status=Status.WRONG_OUTPUT)
    assert RULE.reason([STEADY, [*failed, *runs(1.0)]]) is None, "one valid run defines no interval"
    assert StopRule(ci_target=0.02, max_time_s=4.0).reason([failed]) == MAX_TIME


def test_runs_argument_and_the_options_it_gives():
    assert runs_argument("7") == 7 and runs_argument("auto") == "auto"
    with pytest.raises(ValueError, match="a number or 'auto'"):
        runs_argument("many")
    fixed = SuiteOptions(**runs_options(7, 30, 120.0, 2.0))
    assert (fixed.rounds, fixed.stop_rule) == (7, None)
    auto = SuiteOptions(**runs_options("auto", 30, 120.0, 2.0))
    assert auto.rounds == 30 and auto.stop_rule == StopRule(0.02, 120.0)
