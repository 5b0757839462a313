import signal
import time
import uuid
from pathlib import Path

import pytest
from strays import STRAY_CHILD, processes_with, unique_marker

from wasmbench.build.toolchain import Toolchain
from wasmbench.execution.process import run_process
from wasmbench.execution.supervision import run_in_fork


def run(tmp_path: Path, script: str, timeout_s: float = 10.0):
    return run_process(
        ["/bin/sh", "-c", script],
        cwd=tmp_path,
        stdout=tmp_path / "out",
        stderr=tmp_path / "err",
        timeout_s=timeout_s,
    )


def test_records_output_exit_status_and_rusage(tmp_path):
    result = run(tmp_path, "echo hello; echo oops >&2; exit 3")
    assert (tmp_path / "out").read_text() == "hello\n"
    assert (tmp_path / "err").read_text() == "oops\n"
    assert result.exit_code == 3
    assert result.signal is None
    assert not result.timed_out
    assert result.usage.wall_ns > 0
    assert result.usage.max_rss_kib > 0


def test_runs_in_the_working_directory_with_the_given_environment(tmp_path):
    run_process(
        ["/bin/sh", "-c", 'pwd; echo "${SECRET:-unset}"'],
        cwd=tmp_path,
        stdout=tmp_path / "out",
        stderr=tmp_path / "err",
        timeout_s=10,
        env={},
    )
    assert (tmp_path / "out").read_text().splitlines() == [str(tmp_path), "unset"]


def test_timeout_kills_the_whole_process_group(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, "sleep 30 & sleep 30", timeout_s=0.3)
    assert result.timed_out
    assert result.signal == signal.SIGKILL
    assert time.monotonic() - started < 5


@pytest.fixture(scope="module")
def stray_child() -> Path:
    return Toolchain().build(STRAY_CHILD, "native").path


@pytest.mark.slow
@pytest.mark.parametrize("where", ["group", "session"])
def test_a_child_left_running_is_killed_with_the_run_and_counted(tmp_path, stray_child, where):
    marker = unique_marker()
    result = run_process(
        [str(stray_child), where, marker],
        cwd=tmp_path,
        stdout=tmp_path / "out",
        stderr=tmp_path / "err",
        timeout_s=10,
    )
    assert (tmp_path / "out").read_text().startswith("left child ")
    assert (result.exit_code, result.stray_processes) == (0, 1)
    assert processes_with(marker) == []


def test_children_the_program_waits_for_are_not_strays(tmp_path):
    result = run(tmp_path, "sleep 0.01 & sleep 0.01 & wait")
    assert (result.exit_code, result.stray_processes) == (0, 0)


def test_at_the_timeout_a_child_in_a_session_of_its_own_is_killed_too(tmp_path):
    marker = f"300.{uuid.uuid4().int % 10**12:012d}"  # a number sleep takes; no other process has it
    result = run(tmp_path, f"setsid sleep {marker} & sleep 30", timeout_s=0.5)
    assert result.timed_out
    assert processes_with(marker) == []


def test_cpu_time_is_the_childs(tmp_path):
    result = run(tmp_path, "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
    assert result.usage.user_s + result.usage.sys_s > 0.05
    assert result.usage.wall_ns / 1e9 >= (result.usage.user_s + result.usage.sys_s) * 0.5


def test_a_program_that_cannot_start_exits_127_with_the_reason(tmp_path):
    result = run_process(
        ["/nonexistent/program"], cwd=tmp_path, stdout=tmp_path / "o", stderr=tmp_path / "e", timeout_s=1
    )
    assert result.exit_code == 127
    assert "cannot start /nonexistent/program" in (tmp_path / "e").read_text()


def test_peak_rss_is_the_programs_not_the_harnesses(tmp_path):
    ballast = bytearray(200 * 1024 * 1024)  # the harness grows; a small program must not
    result = run(tmp_path, "exit 0")
    assert result.usage.max_rss_kib < 50 * 1024
    del ballast


def test_work_in_a_fork_returns_its_answer_and_its_own_rusage():
    def work() -> bytes:
        sum(range(3_000_000))
        return b"answer"

    result, answer = run_in_fork(work, timeout_s=10)
    assert answer == b"answer"
    assert result.exit_code == 0
    assert result.usage.user_s > 0.01


def test_an_exception_in_the_fork_is_exit_status_1_and_no_answer():
    def work() -> bytes:
        raise RuntimeError("boom")

    result, answer = run_in_fork(work, timeout_s=10)
    assert (result.exit_code, answer) == (1, b"")


def test_a_hung_fork_is_killed_at_the_timeout():
    def work() -> bytes:
        time.sleep(30)
        return b"late"

    result, answer = run_in_fork(work, timeout_s=0.2)
    assert result.timed_out
    assert answer == b""


def test_an_exception_in_the_fork_leaves_its_traceback_on_the_forks_stderr(capfd):
    def work() -> bytes:
        raise RuntimeError("boom")

    run_in_fork(work, timeout_s=10)
    assert "RuntimeError: boom" in capfd.readouterr().err
