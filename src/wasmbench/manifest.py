"""The workload manifest: which programs exist, their arguments per size and their expected output.

What varies per workload is data (``workloads/manifest.toml``), so adding a size or a program
touches no code.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field, replace
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

    @property
    def description(self) -> str:
        return "stdout sha256 equal to the manifest's"


@dataclass(frozen=True)
class InputBuilder:
    """How the build step makes a workload's input files: a ``module:function`` called with the
    size and a folder, the packages it reads (their versions key the cache) and how to install
    those when missing."""

    function: str
    requires: tuple[str, ...] = ()
    install: str = ""


@dataclass(frozen=True)
class Variant:
    """Another program doing a workload's work another way, for the runtime modes that need it
    (a runner's ``variant_for(mode)``), e.g. the image classifier with its network run by the host
    through WASI-NN. It takes the workload's arguments and inputs, plus ``inputs`` of its own made
    by ``builder``, and its output is judged by the check ``check`` (the size's when empty)."""

    name: str
    source: Path
    summary: str
    inputs: tuple[str, ...] = ()
    builder: InputBuilder | None = None
    check: str = ""


@dataclass(frozen=True)
class Workload:
    """One benchmark program: a C source plus its sizes, and the variants some modes run instead."""

    name: str
    title: str
    summary: str
    source: Path
    libs: tuple[str, ...]
    sizes: dict[str, SizeSpec]
    inputs: InputBuilder | None = None
    variants: dict[str, Variant] = field(default_factory=dict)

    def program(self, variant: str | None = None) -> Workload:
        """What to compile: the workload itself, or its ``variant``'s source (named after that file)."""
        if variant is None:
            return self
        source = self.variant(variant).source
        return replace(self, name=source.stem, source=source, variants={})

    def variant(self, name: str) -> Variant:
        try:
            return self.variants[name]
        except KeyError:
            raise WasmbenchError(f"workload {self.name!r} has no {name} variant") from None

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
    variants = {
        variant: _parse_variant(variant, spec, folder) for variant, spec in entry.get("variants", {}).items()
    }
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
        inputs=_parse_builder(builder) if builder else None,
        variants=variants,
    )


def _parse_builder(entry: dict) -> InputBuilder:
    return InputBuilder(
        function=str(entry["builder"]),
        requires=tuple(entry.get("requires", ())),
        install=str(entry.get("install", "")),
    )


def _parse_variant(name: str, entry: dict, folder: Path) -> Variant:
    inputs = tuple(str(file) for file in entry.get("inputs", ()))
    if inputs and "builder" not in entry:
        raise ValueError(f"the {name} variant's inputs need its builder")
    return Variant(
        name=name,
        source=folder / entry["source"],
        summary=str(entry.get("summary", "")),
        inputs=inputs,
        builder=_parse_builder(entry) if "builder" in entry else None,
        check=str(entry.get("check", "")),
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
