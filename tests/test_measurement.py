import hashlib

import pytest

from wasmbench.manifest import SizeSpec
from wasmbench.measurement import Measurement, Status, validate
from wasmbench.runner import RunOutcome

EXPECTED = SizeSpec(args=("1",), stdout_sha256=hashlib.sha256(b"right\n").hexdigest(), stdout_bytes=6)


@pytest.fixture
def files(tmp_path):
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    stderr.write_text("some complaint\n")
    return stdout, stderr


def judge(files, output: bytes, **outcome) -> Measurement:
    stdout, stderr = files
    stdout.write_bytes(output)
    return validate(
        RunOutcome(wall_ns=10, user_s=0.1, sys_s=0.0, max_rss_kib=5, **outcome), stdout, stderr, EXPECTED
    )


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
        ({"exit_code": None, "error": "wasm trap: unreachable"}, Status.ERROR),
    ],
)
def test_failures_are_classified_before_the_output_is_compared(files, outcome, status):
    assert judge(files, b"right\n", **outcome).status is status


def test_round_trips_through_a_dict(files):
    measurement = judge(files, b"wrong\n", phases_ns={"compile": 3})
    assert Measurement.from_dict(measurement.to_dict()) == measurement
