"""Scratch folders: a run's is removed when its pair's runs end; those a killed harness left are
swept by the next one, and only those whose owning process is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from wasmbench.build.inputs import Inputs
from wasmbench.build.manifest import SizeSpec
from wasmbench.build.toolchain import Artefact
from wasmbench.execution import scratch
from wasmbench.execution.scratch import scratch_folder, sweep_orphaned
from wasmbench.measuring.job import Job
from wasmbench.measuring.plan import Pair
from wasmbench.runners.native import NativeRunner
from wasmbench.runtimes.runner import Prepared

MAKE_ONE_AND_WAIT = """
import time
from wasmbench.execution.scratch import scratch_folder
folder = scratch_folder("killed")
print(folder.name, flush=True)
time.sleep(60)
"""


@pytest.fixture
def tmpdir_root(tmp_path, monkeypatch) -> Path:
    """``$TMPDIR`` for this test (and its child processes), and a first scratch folder that sweeps."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    scratch._sweep_once.cache_clear()
    yield root
    scratch._sweep_once.cache_clear()


def folder_of_a_killed_harness() -> Path:
    """The scratch folder of a harness process that was then killed with SIGKILL."""
    harness = subprocess.Popen([sys.executable, "-c", MAKE_ONE_AND_WAIT], stdout=subprocess.PIPE, text=True)
    assert harness.stdout is not None
    folder = Path(harness.stdout.readline().strip())
    harness.send_signal(signal.SIGKILL)
    harness.wait()
    return folder


def test_a_jobs_scratch_folder_is_named_after_its_owner_and_removed_when_it_closes(tmpdir_root):
    artefact = Artefact("w", "native", Path("/bin/true"), "0" * 64, (), cached=True)
    prepared = Prepared(artefact, "default", artefact.path)
    inputs = Inputs(None, (), SizeSpec(args=()))
    job = Job.bind(Pair("w", "test", "native", "default"), NativeRunner(), prepared, inputs, (), 1.0, {})
    folder = Path(job.scratch.name)
    assert folder.parent == tmpdir_root
    assert folder.name.startswith(f"wasmbench-pid{os.getpid()}-w-")
    assert job.invocation.workdir.is_dir()

    job.close()

    assert not folder.exists()


def test_folders_a_killed_harness_left_are_swept_when_the_next_makes_its_first(tmpdir_root):
    left = folder_of_a_killed_harness()
    assert left.is_dir(), "SIGKILL gave the harness no chance to remove it"

    with scratch_folder("next") as mine:
        assert Path(mine).is_dir()
    assert not left.exists()


def test_only_folders_whose_owner_is_gone_are_swept(tmpdir_root):
    gone = folder_of_a_killed_harness()
    with subprocess.Popen(["sleep", "60"]) as alive:
        of_a_live_process = tmpdir_root / f"wasmbench-pid{alive.pid}-w-abc"
        of_a_live_process.mkdir()
        not_ours = [tmpdir_root / "wasmbench-nbody-abc", tmpdir_root / "other"]
        for folder in not_ours:
            folder.mkdir()

        assert sweep_orphaned() == [gone]

        assert of_a_live_process.is_dir()
        assert all(folder.is_dir() for folder in not_ours)
        alive.kill()
