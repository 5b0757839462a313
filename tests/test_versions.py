"""Runtime versions side by side: two releases of the ``wasmtime`` package in one suite, each installed
into the cache on first use, each its own row and recorded with its exact version and origin; a
version PyPI does not have is one line, and the other rows go on.

It installs two small, old releases from PyPI (about 7 MB each) into a cache of its own and runs the
real CLI, so it is slow; parsing ``@VERSION`` is tested in test_runner.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
OLDER, NEWER, MISSING = "16.0.0", "20.0.0", "99.0.0"


def test_two_wasmtime_releases_run_side_by_side_and_a_missing_one_is_one_line(tmp_path):
    cache = tmp_path / "cache"
    selection = " ".join(f"-r wasmtime:embedded@{version}" for version in (OLDER, NEWER, MISSING))
    result = subprocess.run(
        [
            *(sys.executable, "-m", "wasmbench", "run", *selection.split(), "-w", "nbody", "--size", "test"),
            *("--runs", "2", "--max-repeats", "0", "-o", "results/versions.json"),
        ],
        cwd=tmp_path,
        env={**os.environ, "WASMBENCH_CACHE": str(cache)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped")]
    assert skipped == [
        f"skipped wasmtime:embedded@{MISSING}: pip install wasmtime=={MISSING} failed: "
        f"No matching distribution found for wasmtime=={MISSING} "
        "(install: the versions PyPI has: pip index versions wasmtime)"
    ]
    document = json.loads((tmp_path / "results/versions.json").read_text())
    entries = {entry["param"]: entry["extra_info"] for entry in document["benchmarks"]}
    assert set(entries) == {f"nbody/test/wasmtime/embedded@{version}" for version in (OLDER, NEWER)}
    for version in (OLDER, NEWER):
        info = entries[f"nbody/test/wasmtime/embedded@{version}"]
        assert [run["status"] for run in info["runs"]] == ["ok", "ok"]
        assert info["runtime_version"] == {"wasmtime-py": version}
        folder = cache / "packages" / "wasmtime" / version
        assert info["runtime_origin"] == f"PyPI wasmtime=={version} in {folder}"
        assert (folder / "wasmtime").is_dir()


def test_the_zygote_and_warm_host_at_a_version_run_that_release_not_the_harnesses(tmp_path, monkeypatch):
    """The serialised module of one release is refused by another: the zygote and the warm host
    that deserialise it run the release it was made with."""
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path / "cache"))
    sys.path.insert(0, str(Path(__file__).parent))
    from wat_modules import HELLO, wat_module

    from wasmbench.runners.wasmtime import WasmtimeRunner
    from wasmbench.runtimes.runner import Invocation

    harness, older = WasmtimeRunner(), WasmtimeRunner().versioned(OLDER)
    try:
        assert older.availability("embedded-aot").available
        prepared = older.prepare(wat_module(tmp_path, HELLO), "embedded-aot", tmp_path / "prepared")
        (tmp_path / "work").mkdir()
        invocation = Invocation((), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", 10.0)
        assert older.run(prepared, invocation).exit_code == 0
        assert (tmp_path / "stdout").read_text() == "hello\n"
        refused = harness.run(prepared, invocation)
        assert refused.exit_code is None and "wasmtime" in (refused.error or "")
        warm = older.serve(prepared)
        try:
            assert warm.invoke(invocation).exit_code == 0, "the warm host loads the release too"
            assert (tmp_path / "stdout").read_text() == "hello\n"
        finally:
            warm.close()
    finally:
        harness.close()
        older.close()
