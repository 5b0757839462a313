"""The warm-host wire protocol (``serving.channel``) against a Python host that echoes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from wasmbench.errors import WasmbenchError
from wasmbench.runtimes.runner import Invocation
from wasmbench.serving.channel import HostProcess

ECHO_HOST = [sys.executable, str(Path(__file__).with_name("serving_echo_host.py"))]


def invocation(
    tmp_path: Path, *args: str, body: bytes | None = b"hello", timeout_s: float = 10.0
) -> Invocation:
    stdin = None
    if body is not None:
        stdin = tmp_path / "body"
        stdin.write_bytes(body)
    return Invocation(
        args=args,
        workdir=tmp_path,
        stdout=tmp_path / "stdout",
        stderr=tmp_path / "stderr",
        timeout_s=timeout_s,
        stdin=stdin,
    )


@pytest.fixture
def host():
    process = HostProcess(ECHO_HOST, name="echo")
    yield process
    process.close()


def test_a_host_keeps_its_state_and_answers_each_invocation(host, tmp_path):
    for count in (1, 2):
        outcome = host.invoke(invocation(tmp_path))
        assert outcome.exit_code == 0 and outcome.error is None
        assert (tmp_path / "stdout").read_bytes() == b"%d HELLO" % count
        assert outcome.phases_ns == {"execute": 1} and outcome.usage.max_rss_kib > 0


def test_an_empty_input_is_no_stdin(host, tmp_path):
    host.invoke(invocation(tmp_path, body=None))
    assert (tmp_path / "stdout").read_bytes() == b"1 "


def test_a_hung_invocation_times_out_and_a_fresh_host_serves_the_next(host, tmp_path):
    first_pid = host.pids()
    outcome = host.invoke(invocation(tmp_path, "hang", timeout_s=0.3))
    assert outcome.timed_out and outcome.exit_code is None
    with pytest.raises(ProcessLookupError):
        os.kill(first_pid[0], 0)
    assert host.restarts == 1 and host.pids() != first_pid
    assert host.invoke(invocation(tmp_path)).exit_code == 0
    assert (tmp_path / "stdout").read_bytes() == b"1 HELLO"


def test_a_host_that_dies_is_an_error_and_is_started_again(host, tmp_path):
    outcome = host.invoke(invocation(tmp_path, "die"))
    assert outcome.error and "echo host died" in outcome.error
    assert host.invoke(invocation(tmp_path)).exit_code == 0


def test_an_exception_in_one_invocation_is_its_error_only(host, tmp_path):
    outcome = host.invoke(invocation(tmp_path, "raise"))
    assert outcome.error == "ValueError: bad request" and outcome.exit_code is None
    assert host.invoke(invocation(tmp_path)).exit_code == 0 and host.restarts == 0


def test_a_host_that_cannot_load_says_why():
    with pytest.raises(WasmbenchError, match="echo host did not start: RuntimeError: no such module"):
        HostProcess([*ECHO_HOST, "--fail-to-load"], name="echo")


def test_a_host_that_never_gets_ready_is_killed(tmp_path):
    with pytest.raises(WasmbenchError, match="not ready within"):
        HostProcess(["/bin/sleep", "60"], name="sleepy", start_timeout_s=0.3)


def test_close_leaves_nothing_running(tmp_path):
    process = HostProcess(ECHO_HOST, name="echo")
    (pid,) = process.pids()
    process.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert process.pids() == []
