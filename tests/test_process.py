import signal
import time
from pathlib import Path

import pytest

from wasmbench.process import run_process


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
    assert result.wall_ns > 0
    assert result.max_rss_kib > 0


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


def test_cpu_time_is_the_childs(tmp_path):
    result = run(tmp_path, "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
    assert result.user_s + result.sys_s > 0.05
    assert result.wall_ns / 1e9 >= (result.user_s + result.sys_s) * 0.5


def test_missing_program_raises(tmp_path):
    with pytest.raises(OSError):
        run_process(
            ["/nonexistent/program"], cwd=tmp_path, stdout=tmp_path / "o", stderr=tmp_path / "e", timeout_s=1
        )
