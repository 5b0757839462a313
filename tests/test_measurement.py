import hashlib
from dataclasses import replace

import pytest

from wasmbench.build.manifest import SizeSpec
from wasmbench.execution.usage import Usage
from wasmbench.measuring.measurement import Measurement, Status, validate
from wasmbench.runtimes.runner import RunOutcome

EXPECTED = SizeSpec(args=("1",), stdout_sha256=hashlib.sha256(b"right\n").hexdigest(), stdout_bytes=6)


@pytest.fixture
def files(tmp_path):
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    stderr.write_text("some complaint\n")
    return stdout, stderr


def judge(files, output: bytes, **outcome) -> Measurement:
    stdout, stderr = files
    stdout.write_bytes(output)
    return validate(RunOutcome(Usage(10, 0.1, 0.0, 5), **outcome), stdout, stderr, EXPECTED)


def test_expected_output_is_ok(files):
    measurement = judge(files, b"right\n")
    assert measurement.ok
    assert measurement.stdout_bytes == 6
    assert measurement.detail == ""


def test_other_output_is_wrong_output_with_both_digests(files):
    measurement = judge(files, b"wrong\n")
    assert measurement.status is Status.WRONG_OUTPUT
    assert EXPECTED.stdout_sha256[:12] in measurement.detail
    assert "some complaint" in measurement.detail


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ({"timed_out": True, "exit_code": None, "signal": 9}, Status.TIMEOUT),
        ({"exit_code": 1}, Status.CRASHED),
        ({"exit_code": None, "signal": 11}, Status.CRASHED),
        ({"exit_code": None, "trap": "wasm trap: unreachable"}, Status.CRASHED),
        ({"exit_code": None, "error": "the wasmtime child died (signal 11)"}, Status.ERROR),
    ],
)
def test_failures_are_classified_before_the_output_is_compared(files, outcome, status):
    assert judge(files, b"right\n", **outcome).status is status


def test_a_trap_is_a_crash_whose_detail_is_the_traps_reason(files):
    measurement = judge(files, b"", exit_code=None, trap="wasm trap: unreachable")
    assert measurement.detail.startswith("wasm trap: unreachable")


def test_round_trips_through_a_dict(files):
    measurement = judge(files, b"wrong\n", phases_ns={"compile": 3})
    assert Measurement.from_dict(measurement.to_dict()) == measurement


# A run as result files and journals have always stored it (``extra_info.runs[]``).
STORED_RUN = {
    "status": "ok",
    "wall_ns": 10,
    "user_s": 0.1,
    "sys_s": 0.0,
    "max_rss_kib": 5,
    "exit_code": 0,
    "signal": None,
    "stdout_sha256": EXPECTED.stdout_sha256,
    "stdout_bytes": 6,
    "phases_ns": {},
    "detail": "",
    "summary": "",
}


def test_the_stored_record_keeps_its_flat_shape_and_old_records_load(files):
    measurement = judge(files, b"right\n")
    assert list(measurement.to_dict().items()) == list(STORED_RUN.items())
    assert Measurement.from_dict(STORED_RUN) == measurement
    assert measurement.usage == Usage(10, 0.1, 0.0, 5)


def test_the_run_context_is_recorded_only_when_known(files):
    measurement = judge(files, b"right\n").with_run_context(round=2, position=1, layout_padding=64)
    record = measurement.to_dict()
    assert record == STORED_RUN | {"round": 2, "position": 1, "layout_padding": 64}
    assert Measurement.from_dict(record) == measurement


def test_processes_a_program_left_behind_are_recorded_when_there_were_some(files):
    measurement = judge(files, b"right\n", stray_processes=2)
    record = measurement.to_dict()
    assert record == STORED_RUN | {"stray_processes": 2}
    assert Measurement.from_dict(record) == measurement


def test_the_hosts_evidence_of_interference_is_recorded_when_known(files):
    evidence = {"others_cpu_s": 0.5, "steal_s": 0.0, "cpu_pressure_s": 0.25}
    measurement = replace(judge(files, b"right\n"), **evidence)
    record = measurement.to_dict()
    assert record == STORED_RUN | evidence
    assert Measurement.from_dict(record) == measurement


def test_a_run_that_never_ran_is_a_failure_with_its_reason():
    failure = Measurement.failure(Status.ERROR, "prepare failed: no compiler")
    assert (failure.status, failure.detail, failure.usage) == (
        Status.ERROR,
        "prepare failed: no compiler",
        Usage.zero(),
    )
    assert failure.exit_code is None and failure.stdout_bytes == 0
    assert Measurement.from_dict(failure.to_dict()) == failure
