"""The zygote: calls run in forks of a small Python process, killed at the timeout, with their own
rusage and output files; the harness's side restarts a dead zygote and stops it (and its child)
when interrupted. Standard-library modules stand in for a runtime's module here."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wasmbench.errors import WasmbenchError
from wasmbench.execution.process import Zygote

HEAVY = {"pandas", "numpy", "scipy", "matplotlib", "tqdm", "pytest", "docker"}


@pytest.fixture
def zygote_of():
    started: list[Zygote] = []

    def start(module: str, packages: dict[str, Path] | None = None) -> Zygote:
        started.append(Zygote(module, packages))
        return started[-1]

    yield start
    for zygote in started:
        zygote.close()


def test_a_call_returns_the_answer_and_the_forks_own_rusage(zygote_of, tmp_path):
    zygote = zygote_of("builtins")
    result, answer = zygote.call("sum", (range(3_000_000),), output=tmp_path / "out", timeout_s=10)
    assert answer == sum(range(3_000_000))
    assert result.exit_code == 0 and not result.timed_out
    assert result.usage.user_s > 0.01


def test_the_forks_peak_rss_is_not_the_harnesses(zygote_of, tmp_path):
    ballast = bytearray(200 * 1024 * 1024)
    result, _ = zygote_of("os").call("getpid", (), output=tmp_path / "out", timeout_s=10)
    assert 0 < result.usage.max_rss_kib < 50 * 1024
    del ballast


def test_what_the_fork_prints_goes_to_its_output_file_only(zygote_of, tmp_path, capfd):
    zygote = zygote_of("os")
    zygote.call("system", ("echo out; echo err >&2",), output=tmp_path / "out", timeout_s=10)
    assert (tmp_path / "out").read_text() == "out\nerr\n"
    assert capfd.readouterr() == ("", "")


def test_a_step_whose_fork_fails_raises_what_it_printed(zygote_of):
    with pytest.raises(OSError, match=r"(?s)listing failed \(status 1\): .*FileNotFoundError"):
        zygote_of("os").call_captured("listdir", ("/nonexistent",), what="listing", timeout_s=10)


def test_a_hung_call_is_killed_at_the_timeout_with_its_process_group(zygote_of, tmp_path):
    started = time.monotonic()
    script = f"sleep 30 & echo $! > {tmp_path / 'pid'}; wait"
    result, answer = zygote_of("os").call("system", (script,), output=tmp_path / "out", timeout_s=0.5)
    assert result.timed_out and answer is None
    assert time.monotonic() - started < 5
    assert not _running(int((tmp_path / "pid").read_text()))


def test_a_dead_zygote_is_an_error_and_the_next_call_starts_a_new_one(zygote_of, tmp_path):
    zygote = zygote_of("os")
    _, zygote_pid = zygote.call("getppid", (), output=tmp_path / "out", timeout_s=10)
    with pytest.raises(WasmbenchError, match="the os zygote failed"):
        zygote.call("kill", (zygote_pid, signal.SIGKILL), output=tmp_path / "out", timeout_s=10)
    result, answer = zygote.call("getppid", (), output=tmp_path / "out", timeout_s=10)
    assert result.exit_code == 0 and answer != zygote_pid


def test_a_module_that_does_not_import_is_a_clear_error(zygote_of, tmp_path):
    with pytest.raises(WasmbenchError, match="No module named 'wasmbench_nowhere'"):
        zygote_of("wasmbench_nowhere").call("run", (), output=tmp_path / "out", timeout_s=10)


def test_a_package_given_a_folder_is_imported_from_there_only(zygote_of, tmp_path):
    release = tmp_path / "release"
    (release / "wasmbench_probe").mkdir(parents=True)
    (release / "wasmbench_probe" / "__init__.py").write_text("def where():\n    return __file__\n")
    zygote = zygote_of("wasmbench_probe", {"wasmbench_probe": release})
    _, answer = zygote.call("where", (), output=tmp_path / "out", timeout_s=10)
    assert answer == str(release / "wasmbench_probe" / "__init__.py")


def test_a_package_missing_from_its_folder_is_never_taken_from_the_harness(zygote_of, tmp_path):
    """``json`` is in the standard library, but the zygote was told to take it from an empty folder."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(WasmbenchError, match="no json in"):
        zygote_of("json", {"json": tmp_path / "empty"}).call(
            "dumps", (1,), output=tmp_path / "out", timeout_s=10
        )


def test_ctrl_c_in_the_harness_stops_the_zygote_and_its_child(zygote_of, tmp_path):
    zygote = zygote_of("os")
    _, zygote_pid = zygote.call("getppid", (), output=tmp_path / "out", timeout_s=10)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            script = f"echo $$ > {tmp_path / 'pid'}; sleep 30"
            zygote.call("system", (script,), output=tmp_path / "out", timeout_s=60)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not _running(zygote_pid)
    assert not _running(int((tmp_path / "pid").read_text()))


@pytest.mark.parametrize("module", ["wasmtime_embedded", "wasmer_embedded"])
def test_the_zygote_of_a_runtime_imports_none_of_the_harnesses_heavy_packages(module):
    pytest.importorskip({"wasmtime_embedded": "wasmtime", "wasmer_embedded": "wasmer_sdk"}[module])
    zygote = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "wasmbench.execution.zygote",
        f"wasmbench.runners.{module}",
    ]
    answer = subprocess.run(zygote, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in answer.stderr.splitlines()}
    assert not HEAVY & imported


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not), within a second."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in "ZX":
            return False
        time.sleep(0.05)
    return True
