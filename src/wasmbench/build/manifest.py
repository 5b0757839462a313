"""The workload manifest: which programs exist, their arguments per size and their expected output.

What varies per workload is data (``workloads/manifest.toml``), so adding a size or a program
touches no code.
"""

from __future__ import annotations

import hashlib
import math
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
    or the kind of a reference the workload's input builder writes (see ``wasmbench.build.checks``).
    ``inputs`` are files the build step makes and each run finds in its working directory.
    """

    args: tuple[str, ...]
    stdout_sha256: str = ""
    stdout_bytes: int = 0
    inputs: tuple[str, ...] = ()
    check: str = DIGEST_CHECK
    # A rough native run time, for a suite's estimated duration (0: not known).
    seconds: float = 0.0

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
    (a runtime mode's ``Mode.variant``), e.g. the image classifier with its network run by the host
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
    """Read the manifest; a malformed one is a user error, reported with its path.

    Every key is checked as it loads (present, of its type) and every C source it names must
    exist, so a mistake in a user's copy stops ``wasmbench run`` before anything is built or
    measured, in one line naming the workload, the size and the key.
    """
    path = path or workloads_dir() / "manifest.toml"
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise WasmbenchError(f"cannot read workload manifest {path}: {error!r}") from error
    try:
        workloads = _Table(data, "", "the manifest").tables("workloads", "workload", required=True)
        return {name: _parse_workload(entry, path.parent) for name, entry in workloads.items()}
    except ManifestError as error:
        raise WasmbenchError(f"workload manifest {path}: {error}") from error


class ManifestError(ValueError):
    """A key of the manifest missing or of the wrong type, or a source missing; says where."""


@dataclass(frozen=True)
class _Table:
    """One TOML table of the manifest, its name and where it is (``workload 'nbody', size
    'test'``): every key is read with its type checked, and a bad one reported with its place."""

    data: dict
    name: str
    where: str

    def tables(self, key: str, kind: str, required: bool = False) -> dict[str, _Table]:
        """The tables under ``key`` (workloads, sizes, variants), each placed as ``kind 'name'``."""
        outer = self._get(key, dict, "a table", None if required else {})
        return {name: self._child(value, name, f"{kind} {name!r}") for name, value in outer.items()}

    def table(self, key: str) -> _Table | None:
        """An optional table under ``key`` (a workload's ``inputs``)."""
        return self._child(self.data[key], key, key) if key in self.data else None

    def text(self, key: str, default: str | None = None) -> str:
        return self._get(key, str, "a string", default)

    def integer(self, key: str) -> int:
        value = self._get(key, int, "an integer")
        if isinstance(value, bool):
            raise self._wrong(key, value, "an integer")
        return value

    def seconds(self, key: str) -> float:
        """A duration in seconds, 0 when absent: a finite number, not negative."""
        value = self._get(key, int | float, "a number of seconds", 0.0)
        if isinstance(value, bool) or not 0 <= value < math.inf:
            raise self._wrong(key, value, "a number of seconds")
        return float(value)

    def texts(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of strings (numbers allowed: ``args = [1000]``); never a string split into letters."""
        value = self._get(key, list, "a list of strings", default)
        if not all(isinstance(item, str | int | float) and not isinstance(item, bool) for item in value):
            raise self._wrong(key, value, "a list of strings")
        return tuple(str(item) for item in value)

    def problem(self, text: str) -> ManifestError:
        return ManifestError(f"{self.where}: {text}")

    def _child(self, value: object, name: str, place: str) -> _Table:
        where = place if not self.name else f"{self.where}, {place}"
        if not isinstance(value, dict):
            raise ManifestError(f"{where} must be a table, not {type(value).__name__} {value!r}")
        return _Table(value, name, where)

    def _get(self, key: str, kind: type, described: str, default: object = None):
        if key not in self.data:
            if default is None:
                raise self.problem(f"{key} is missing")
            return default
        value = self.data[key]
        if not isinstance(value, kind):
            raise self._wrong(key, value, described)
        return value

    def _wrong(self, key: str, value: object, described: str) -> ManifestError:
        return self.problem(f"{key} must be {described}, not {type(value).__name__} {value!r}")


def _parse_workload(entry: _Table, folder: Path) -> Workload:
    builder = entry.table("inputs")
    workload = Workload(
        name=entry.name,
        title=entry.text("title", entry.name),
        summary=entry.text("summary", ""),
        source=folder / entry.text("source"),
        libs=entry.texts("libs", ()),
        sizes={
            size: _parse_size(spec, has_builder=builder is not None)
            for size, spec in entry.tables("sizes", "size", required=True).items()
        },
        inputs=_parse_builder(builder) if builder else None,
        variants={
            name: _parse_variant(spec, folder) for name, spec in entry.tables("variants", "variant").items()
        },
    )
    for source in (workload.source, *(variant.source for variant in workload.variants.values())):
        if not source.is_file():
            raise entry.problem(f"source {source} is missing")
    return workload


def _parse_builder(entry: _Table) -> InputBuilder:
    return InputBuilder(
        function=entry.text("builder"),
        requires=entry.texts("requires", ()),
        install=entry.text("install", ""),
    )


def _parse_variant(entry: _Table, folder: Path) -> Variant:
    inputs = entry.texts("inputs", ())
    if inputs and "builder" not in entry.data:
        raise entry.problem("its inputs need its builder")
    return Variant(
        name=entry.name,
        source=folder / entry.text("source"),
        summary=entry.text("summary", ""),
        inputs=inputs,
        builder=_parse_builder(entry) if "builder" in entry.data else None,
        check=entry.text("check", ""),
    )


def _parse_size(entry: _Table, has_builder: bool) -> SizeSpec:
    check = entry.text("check", DIGEST_CHECK)
    inputs = entry.texts("inputs", ())
    if (inputs or check != DIGEST_CHECK) and not has_builder:
        raise entry.problem("a size with inputs or a reference check needs the workload's [inputs] builder")
    digest = check == DIGEST_CHECK
    return SizeSpec(
        args=entry.texts("args"),
        stdout_sha256=entry.text("stdout_sha256").lower() if digest else "",
        stdout_bytes=entry.integer("stdout_bytes") if digest else 0,
        inputs=inputs,
        check=check,
        seconds=entry.seconds("seconds"),
    )


def select_workloads(manifest: dict[str, Workload], names: list[str] | None) -> list[Workload]:
    """The workloads named (all when none are), in manifest order; an unknown name is an error."""
    if not names:
        return list(manifest.values())
    unknown = [name for name in names if name not in manifest]
    if unknown:
        raise WasmbenchError(f"unknown workload {', '.join(unknown)} (known: {', '.join(manifest)})")
    return [manifest[name] for name in manifest if name in names]
