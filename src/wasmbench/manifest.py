"""The workload manifest: which programs exist, their arguments per size and their expected output.

What varies per workload is data (``workloads/manifest.toml``), so adding a size or a program
touches no code.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from wasmbench.errors import WasmbenchError

SIZES = ("test", "default", "large")


DIGEST_CHECK = "sha256"


@dataclass(frozen=True)
class SizeSpec:
    """How to run a workload at one size, and how its output is judged.

    ``check`` is ``sha256`` (stdout must be exactly the bytes whose digest and length are given)
    or the kind of a reference the workload's input builder writes (see ``wasmbench.checks``).
    ``inputs`` are files the build step makes and each run finds in its working directory.
    """

    args: tuple[str, ...]
    stdout_sha256: str = ""
    stdout_bytes: int = 0
    inputs: tuple[str, ...] = ()
    check: str = DIGEST_CHECK

    def mismatch(self, output: bytes) -> str | None:
        """Why ``output`` is not the expected stdout, or None when it is."""
        digest = hashlib.sha256(output).hexdigest()
        if digest == self.stdout_sha256:
            return None
        return (
            f"stdout sha256 {digest[:12]}… ({len(output)} bytes) differs from the expected "
            f"{self.stdout_sha256[:12]}… ({self.stdout_bytes} bytes)"
        )

    def summary(self, output: bytes) -> str:
        """A digest-checked output is fixed by the manifest: nothing to add to the report."""
        return ""


@dataclass(frozen=True)
class InputBuilder:
    """How the build step makes a workload's input files: a ``module:function`` called with the
    size and a folder, the packages it reads (their versions key the cache) and how to install
    those when missing."""

    function: str
    requires: tuple[str, ...] = ()
    install: str = ""


@dataclass(frozen=True)
class Workload:
    """One benchmark program: a C source plus its sizes."""

    name: str
    title: str
    summary: str
    source: Path
    libs: tuple[str, ...]
    sizes: dict[str, SizeSpec]
    inputs: InputBuilder | None = None

    def size(self, size: str) -> SizeSpec:
        try:
            return self.sizes[size]
        except KeyError:
            known = ", ".join(self.sizes)
            raise WasmbenchError(f"workload {self.name!r} has no size {size!r} (known: {known})") from None


def workloads_dir() -> Path:
    """The folder holding the C sources and the manifest: ``$WASMBENCH_WORKLOADS`` when set (a
    user's own copy, e.g. with extra sizes), else the one installed with the package."""
    if explicit := os.environ.get("WASMBENCH_WORKLOADS"):
        return Path(explicit)
    return Path(str(resources.files("wasmbench.workloads")))


def load_manifest(path: Path | None = None) -> dict[str, Workload]:
    """Read the manifest; a malformed one is a user error, reported with its path."""
    path = path or workloads_dir() / "manifest.toml"
    try:
        data = tomllib.loads(path.read_text())
        return {name: _parse_workload(name, entry, path.parent) for name, entry in data["workloads"].items()}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise WasmbenchError(f"cannot read workload manifest {path}: {error!r}") from error


def _parse_workload(name: str, entry: dict, folder: Path) -> Workload:
    builder = entry.get("inputs")
    sizes = {
        size: _parse_size(spec, has_builder=builder is not None) for size, spec in entry["sizes"].items()
    }
    return Workload(
        name=name,
        title=entry.get("title", name),
        summary=entry.get("summary", ""),
        source=folder / entry["source"],
        libs=tuple(entry.get("libs", ())),
        sizes=sizes,
        inputs=InputBuilder(
            function=str(builder["builder"]),
            requires=tuple(builder.get("requires", ())),
            install=str(builder.get("install", "")),
        )
        if builder
        else None,
    )


def _parse_size(spec: dict, has_builder: bool) -> SizeSpec:
    check = str(spec.get("check", DIGEST_CHECK))
    inputs = tuple(str(name) for name in spec.get("inputs", ()))
    if (inputs or check != DIGEST_CHECK) and not has_builder:
        raise ValueError("a size with inputs or a reference check needs the workload's [inputs] builder")
    digest = check == DIGEST_CHECK
    return SizeSpec(
        args=tuple(str(arg) for arg in spec["args"]),
        stdout_sha256=str(spec["stdout_sha256"]).lower() if digest else "",
        stdout_bytes=int(spec["stdout_bytes"]) if digest else 0,
        inputs=inputs,
        check=check,
    )


def select_workloads(manifest: dict[str, Workload], names: list[str] | None) -> list[Workload]:
    """The workloads named (all when none are), in manifest order; an unknown name is an error."""
    if not names:
        return list(manifest.values())
    unknown = [name for name in names if name not in manifest]
    if unknown:
        raise WasmbenchError(f"unknown workload {', '.join(unknown)} (known: {', '.join(manifest)})")
    return [manifest[name] for name in manifest if name in names]
