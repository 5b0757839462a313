"""Losing the Docker daemon mid-suite: the remaining docker runs fail with the reason, finished
measurements stay, other runtimes go on. (What such a suite leaves in a restarted daemon is swept
by the next harness: ``test_docker_runner.py``.)

The daemon killed here is a private one (its own socket, data and exec roots, no networking), so
the machine's engine and anyone using it are untouched. Starting it needs root and ``dockerd``;
elsewhere the test skips with the reason (in CI it fails instead).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wasmbench.runners.docker import CGROUP_ROOT
from wasmbench.runners.docker.cgroup import Hierarchies

pytestmark = pytest.mark.slow
RUNS = 20


class PrivateDaemon:
    """A dockerd of the test's own, in a short temporary folder (socket paths are limited)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="wbd-"))
        self.url = f"unix://{self.root}/docker.sock"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.root / "dockerd.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *("dockerd", "--host", self.url, "--data-root", str(self.root / "data")),
                    *("--exec-root", str(self.root / "exec"), "--pidfile", str(self.root / "dockerd.pid")),
                    *("--bridge", "none", "--iptables=false", "--ip-masq=false"),
                    *("--exec-opt", "native.cgroupdriver=cgroupfs"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while not self.answers():
            assert time.monotonic() < deadline, (self.root / "dockerd.log").read_text()[-2000:]
            time.sleep(0.2)

    def answers(self) -> bool:
        environment = {**os.environ, "DOCKER_HOST": self.url}
        return subprocess.run(["docker", "version"], env=environment, capture_output=True).returncode == 0

    def kill(self) -> None:
        """SIGKILL dockerd and the containerd it started (which would otherwise keep its database
        locked against the next daemon); the container shims live on, as they would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        containerd_pidfile = self.root / "exec" / "containerd" / "containerd.pid"
        with contextlib.suppress(OSError, ValueError):
            containerd = int(containerd_pidfile.read_text())
            os.kill(containerd, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while Path(f"/proc/{containerd}/exe").exists() and time.monotonic() < deadline:
                time.sleep(0.05)  # (a zombie has no exe link: gone enough)

    def remove(self) -> None:
        """Stop it and remove everything it made: processes naming its folder (containerd, shims),
        its mounts, its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)
        for pid in _pids_whose_command_mentions(str(self.root)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
        for mount in sorted((m for m in mounts if m.startswith(str(self.root))), reverse=True):
            subprocess.run(["umount", "-l", mount], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def daemon() -> Iterator[PrivateDaemon]:
    missing = [tool for tool in ("dockerd", "docker") if shutil.which(tool) is None]
    if os.geteuid() != 0 or missing:
        reason = f"a private dockerd needs root and {', '.join(missing) or 'dockerd'}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    daemon = PrivateDaemon()
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.remove()


def test_killing_the_daemon_mid_suite_fails_the_rest_keeps_the_runs_and_others_go_on(daemon, tmp_path):
    # Every round runs both modes, so native runs after the kill whatever the order.
    environment = {**os.environ, "DOCKER_HOST": daemon.url}
    command = [sys.executable, "-m", "wasmbench", "run", "-r", "docker:run", "-r", "native", "-w", "nop"]
    options = ["--size", "test", "--runs", str(RUNS), "--strict", "-o", "results/lost.json"]
    suite = subprocess.Popen(
        [*command, *options], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for_docker_runs(tmp_path / "results/lost.jsonl", at_least=3)
        daemon.kill()
        output, errors = suite.communicate(timeout=300)
    finally:
        if suite.poll() is None:
            suite.kill()
        _kill_processes_in_run_cgroups(suite.pid)

    assert suite.returncode == 1, errors.decode()[-2000:]
    document = json.loads((tmp_path / "results/lost.json").read_text())
    runs = {entry["param"]: entry["extra_info"]["runs"] for entry in document["benchmarks"]}
    docker_runs = runs["nop/test/docker/run"]
    statuses = [run["status"] for run in docker_runs]
    first_error = statuses.index("error")
    assert first_error >= 3
    assert set(statuses[first_error:]) == {"error"}
    assert len(statuses) == RUNS
    assert all("the Docker daemon stopped answering" in run["detail"] for run in docker_runs[first_error:])
    assert [run["status"] for run in runs["nop/test/native/default"]] == ["ok"] * RUNS
    assert "the Docker daemon stopped answering" in output.decode()


def _wait_for_docker_runs(journal: Path, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lines = journal.read_text().splitlines() if journal.exists() else []
        records = [json.loads(line) for line in lines if line.endswith("}")]
        docker_runs = [r for r in records if r.get("type") == "run" and "/docker/" in r["pair"]]
        if len(docker_runs) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {at_least} docker runs journalled within 120 s")


def _pids_whose_command_mentions(text: str) -> list[int]:
    pids = []
    for folder in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if text.encode() in (folder / "cmdline").read_bytes():
                pids.append(int(folder.name))
    return pids


def _kill_processes_in_run_cgroups(harness_pid: int) -> None:
    """A container caught mid-start by the kill stays in its cgroup (runc waiting to start it)."""
    memory = Hierarchies.of_this_machine().memory
    for procs in (memory / CGROUP_ROOT).glob(f"run-{harness_pid}-*/**/cgroup.procs"):
        for pid in procs.read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
