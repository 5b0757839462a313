"""Shared fixtures: the official outputs when present, and a small tmpfs to fill or make read-only."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

# ../shared/benchmarksgame holds the Benchmarks Game's published outputs on the developers'
# machines and in CI; a user's clone does not have it, so tests that need it skip.
OFFICIAL_OUTPUTS = Path(__file__).resolve().parents[2] / "shared" / "benchmarksgame"


@pytest.fixture(scope="session")
def official_outputs() -> Path:
    if not OFFICIAL_OUTPUTS.is_dir():
        pytest.skip(f"the Benchmarks Game reference outputs are not at {OFFICIAL_OUTPUTS}")
    return OFFICIAL_OUTPUTS


class SmallTmpfs:
    """A 64 KiB tmpfs mounted for one test: filled up, or remounted read-only, for real."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fill(self) -> Path:
        """Write a file until the file system is full; remove it to make room again."""
        filler = self.path / "filler"
        with filler.open("wb", buffering=0) as stream:
            try:
                while stream.write(b"\0" * 1024):
                    pass
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
        return filler

    def make_read_only(self) -> None:
        try:
            _mount("-o", "remount,ro", str(self.path))
        except RuntimeError as error:
            pytest.skip(f"cannot remount a tmpfs read-only here: {error}")


@pytest.fixture
def small_tmpfs(tmp_path) -> Iterator[SmallTmpfs]:
    """Skipped with the reason where mounting is not allowed (not root, a container without
    CAP_SYS_ADMIN)."""
    mountpoint = tmp_path / "tmpfs"
    mountpoint.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mountpoint))
    except RuntimeError as error:
        pytest.skip(f"cannot mount a tmpfs here: {error}")
    try:
        yield SmallTmpfs(mountpoint)
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=True)


def _mount(*args: str) -> None:
    try:
        result = subprocess.run(["mount", *args], capture_output=True, text=True)
    except OSError as error:
        raise RuntimeError(str(error)) from error
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or f"mount exited with {result.returncode}")
