"""The wasmbench the hosts install: a wheel built from this checkout, or one the user gives."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import wasmbench
from wasmbench.errors import WasmbenchError


def build_wheel(destination: Path) -> Path:
    """Build a wheel of the wasmbench checkout this package runs from (else the current folder)."""
    source = source_tree()
    destination.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "-w",
        str(destination),
        str(source),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise WasmbenchError(
            f"building the wasmbench wheel from {source} failed: {result.stderr.strip()[-500:]}"
        )
    return max(destination.glob("wasmbench-*.whl"), key=lambda path: path.stat().st_mtime)


def source_tree() -> Path:
    for candidate in (Path(wasmbench.__file__).resolve().parents[2], Path.cwd()):
        if _is_wasmbench_checkout(candidate):
            return candidate
    raise WasmbenchError(
        "fleet run installs wasmbench on the hosts from a wheel: run it from a wasmbench checkout, "
        "or pass --wheel FILE"
    )


def _is_wasmbench_checkout(folder: Path) -> bool:
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text()).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return project.get("name") == "wasmbench"
