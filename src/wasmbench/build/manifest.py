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
# Checks against the output of a run made at build time, not a hash in the manifest: the
# workload's native build's, or that of the runtime mode its ``reference`` key names.
NATIVE_CHECK = "native"
REFERENCE_CHECK = "reference"
REFERENCE_CHECKS = (NATIVE_CHECK, REFERENCE_CHECK)
# The runtime mode whose output ``check = "native"`` expects: the portable native build's.
NATIVE_REFERENCE = "native:default"
# The targets a workload's ``[target.<name>]`` tables and prebuilt programs are for: WebAssembly,
# and every Linux build (portable, host-tuned, cross-architecture).
WASM_KIND, NATIVE_KIND = "wasm32-wasi", "native"
TARGET_KINDS = (WASM_KIND, NATIVE_KIND)


def target_kind(target: str) -> str:
    """``wasm32-wasi`` for the WebAssembly targets (with or without SIMD: ``wasm32-wasi-simd``),
    ``native`` for every other (resolved) target."""
    return WASM_KIND if target.startswith(WASM_KIND) else NATIVE_KIND


def is_sha256(text: str) -> bool:
    """Whether ``text`` is a sha256 digest in hexadecimal."""
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


def digest_mismatch(output: bytes, sha256: str, size: int | None, expected: str) -> str | None:
    """Why ``output`` is not the bytes of digest ``sha256`` (and length ``size`` when known)
    described as ``expected``, or None when it is."""
    digest = hashlib.sha256(output).hexdigest()
    if digest == sha256:
        return None
    length = f"{size} bytes" if size is not None else "length not given"
    return (
        f"stdout sha256 {digest[:12]}… ({len(output)} bytes) differs from {expected} "
        f"{sha256[:12]}… ({length})"
    )


@dataclass(frozen=True)
class SizeSpec:
    """How to run a workload at one size, and how its output is judged.

    ``check`` is ``sha256`` (stdout must be exactly the bytes whose digest and length are given),
    ``native`` or ``reference`` (the output of a run made at build time, see ``REFERENCE_CHECKS``)
    or the kind of a reference the workload's input builder writes (see ``wasmbench.build.checks``).
    ``inputs`` are files each run finds in its working directory: made by the build step when the
    workload has an input builder, else files of the workload's folder (or absolute paths).
    ``exit_code`` is the exit status every run must end with.
    """

    args: tuple[str, ...]
    stdout_sha256: str = ""
    stdout_bytes: int | None = 0
    inputs: tuple[str, ...] = ()
    check: str = DIGEST_CHECK
    # A rough native run time, for a suite's estimated duration (0: not known).
    seconds: float = 0.0
    exit_code: int = 0

    def mismatch(self, output: bytes) -> str | None:
        """Why ``output`` is not the expected stdout, or None when it is."""
        return digest_mismatch(output, self.stdout_sha256, self.stdout_bytes, "the expected")

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
class TargetBuild:
    """What one kind of target (``wasm32-wasi`` or ``native``) adds to a workload's build: flags
    and libraries, e.g. WASI's emulation libraries, which only the WebAssembly build needs."""

    cflags: tuple[str, ...] = ()
    libs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workload:
    """One benchmark program: its C sources (or prebuilt programs) plus its sizes, and the
    variants some modes run instead.

    ``source`` is the main C file (it names the program); ``extra_sources`` are compiled with it.
    ``cflags`` and ``libs`` apply to every target, ``targets`` adds per kind of target. A workload
    without sources runs ``prebuilt`` programs (by kind of target: a wasm32-wasi module, and a
    native binary for this machine where there is one). ``reference`` is the runtime mode whose
    output a ``check = "reference"`` size expects. ``folder`` is the manifest's. ``include`` are
    folders searched for headers (``-I``) besides the sources' own, e.g. an existing suite's
    ``#include <common.h>`` from a utilities folder.
    """

    name: str
    title: str
    summary: str
    source: Path | None
    libs: tuple[str, ...]
    sizes: dict[str, SizeSpec]
    inputs: InputBuilder | None = None
    variants: dict[str, Variant] = field(default_factory=dict)
    extra_sources: tuple[Path, ...] = ()
    cflags: tuple[str, ...] = ()
    targets: dict[str, TargetBuild] = field(default_factory=dict)
    prebuilt: dict[str, Path] = field(default_factory=dict)
    reference: str = ""
    folder: Path | None = None
    include: tuple[Path, ...] = ()

    @property
    def sources(self) -> tuple[Path, ...]:
        return (self.source, *self.extra_sources) if self.source is not None else ()

    def build_flags(self, target: str) -> TargetBuild:
        """The flags and libraries of a build for ``target``: the workload's, then its kind's."""
        extra = self.targets.get(target_kind(target), TargetBuild())
        return TargetBuild((*self.cflags, *extra.cflags), (*self.libs, *extra.libs))

    def reference_mode(self, size: str) -> str | None:
        """The runtime mode whose output ``size`` is checked against (None: a hash or a builder's
        reference judges it)."""
        check = self.size(size).check
        if check == NATIVE_CHECK:
            return NATIVE_REFERENCE
        return self.reference if check == REFERENCE_CHECK else None

    def program(self, variant: str | None = None) -> Workload:
        """What to compile: the workload itself, or its ``variant``'s source (named after that file)."""
        if variant is None:
            return self
        source = self.variant(variant).source
        return replace(self, name=source.stem, source=source, extra_sources=(), prebuilt={}, variants={})

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


MANIFEST_FILE = "manifest.toml"


def workloads_dir(folder: str | Path | None = None) -> Path:
    """The folder holding the C sources and the manifest: ``folder`` (``--workloads``) when given,
    else ``$WASMBENCH_WORKLOADS`` when set (a user's own suite, or a copy of the built-in one with
    extra sizes), else the one installed with the package."""
    if folder:
        return Path(folder)
    if explicit := os.environ.get("WASMBENCH_WORKLOADS"):
        return Path(explicit)
    return Path(str(resources.files("wasmbench.workloads")))


def load_manifest(path: Path | None = None) -> dict[str, Workload]:
    """Read the manifest; a malformed one is a user error, reported with its path.

    Every key is checked as it loads (known, present, of its type) and every file it names must
    exist, so a mistake in a user's suite stops ``wasmbench run`` before anything is built or
    measured: one line per workload in error, naming the workload, the size and the key.
    """
    path = path or workloads_dir() / MANIFEST_FILE
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise WasmbenchError(f"cannot read workload manifest {path}: {error!r}") from error
    try:
        _Table(data, "", "the manifest").known("workloads")
        workloads = _Table(data, "", "the manifest").tables("workloads", "workload", required=True)
    except ManifestError as error:
        raise WasmbenchError(f"workload manifest {path}: {error}") from error
    parsed, problems = {}, []
    for name, entry in workloads.items():
        try:
            parsed[name] = _parse_workload(entry, path.parent)
        except ManifestError as error:
            problems.append(f"workload manifest {path}: {error}")
    if problems:
        raise WasmbenchError("\n".join(problems))
    return parsed


def parse_entry(name: str, data: dict, folder: Path, where: str) -> Workload:
    """One workload from a manifest entry made in memory (``wasmbench run -w PATH``), checked as a
    manifest's are; a problem is a ``WasmbenchError`` placed by ``where``."""
    try:
        return _parse_workload(_Table(data, name, where), folder)
    except ManifestError as error:
        raise WasmbenchError(str(error)) from error


class ManifestError(ValueError):
    """A key of the manifest missing or of the wrong type, or a source missing; says where."""


@dataclass(frozen=True)
class _Table:
    """One TOML table of the manifest, its name and where it is (``workload 'nbody', size
    'test'``): every key is read with its type checked, and a bad one reported with its place."""

    data: dict
    name: str
    where: str

    def known(self, *keys: str) -> None:
        """Refuse a key the format does not have (a typo would otherwise be silently ignored)."""
        if unknown := [key for key in self.data if key not in keys]:
            raise self.problem(f"unknown key {', '.join(map(repr, unknown))} (known: {', '.join(keys)})")

    def tables(self, key: str, kind: str, required: bool = False) -> dict[str, _Table]:
        """The tables under ``key`` (workloads, sizes, variants), each placed as ``kind 'name'``."""
        outer = self._get(key, dict, "a table", None if required else {})
        return {name: self._child(value, name, f"{kind} {name!r}") for name, value in outer.items()}

    def table(self, key: str) -> _Table | None:
        """An optional table under ``key`` (a workload's ``inputs``)."""
        return self._child(self.data[key], key, key) if key in self.data else None

    def text(self, key: str, default: str | None = None) -> str:
        return self._get(key, str, "a string", default)

    def integer(self, key: str, default: int | None = None) -> int:
        value = self._get(key, int, "an integer", default)
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

    def file(self, folder: Path, key: str) -> Path:
        """A file named by ``key``, relative to ``folder`` (or absolute), which must exist."""
        return self.files(folder, key, (self.text(key),))[0]

    def files(self, folder: Path, key: str, names: tuple[str, ...]) -> tuple[Path, ...]:
        """``names`` (the value of ``key``) as files relative to ``folder``, each of which must exist."""
        paths = tuple(folder / name for name in names)
        if missing := [str(path) for path in paths if not path.is_file()]:
            raise self.problem(f"{key}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
        return paths

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


WORKLOAD_KEYS = (
    "title", "summary", "source", "sources", "include", "wasm", "native", "cflags", "libs", "target",
    "reference", "inputs", "variants", "sizes",
)  # fmt: skip
SIZE_KEYS = (
    "args",
    "seconds",
    "stdout_sha256",
    "stdout_bytes",
    "stdout_file",
    "exit_code",
    "inputs",
    "check",
)
# The keys that say what a workload is built from: exactly one of them.
PROGRAM_KEYS = ("source", "sources", "wasm")


def _parse_workload(entry: _Table, folder: Path) -> Workload:
    entry.known(*WORKLOAD_KEYS)
    given = [key for key in PROGRAM_KEYS if key in entry.data]
    if len(given) != 1:
        found = f"has {' and '.join(given)}" if given else "has none"
        raise entry.problem(f"needs exactly one of {', '.join(PROGRAM_KEYS)} ({found})")
    builder = entry.table("inputs")
    if builder:
        builder.known("builder", "requires", "install")
    reference = entry.text("reference", "")
    if reference and len(reference.split(":")) != 2:
        raise entry.problem(
            f"reference must be a runtime mode RUNTIME:MODE (e.g. wasmtime:jit), not {reference!r}"
        )
    size_tables = entry.tables("sizes", "size", required=True)
    if not size_tables:
        raise entry.problem(f"has no sizes (give one or more of {', '.join(SIZES)})")
    if unknown := [size for size in size_tables if size not in SIZES]:
        raise entry.problem(f"size {', '.join(map(repr, unknown))} is not one of {', '.join(SIZES)}")
    sizes = {
        size: _parse_size(spec, folder, has_builder=builder is not None) for size, spec in size_tables.items()
    }
    variants = {
        name: _parse_variant(spec, folder) for name, spec in entry.tables("variants", "variant").items()
    }
    sources = _sources(entry, folder)
    prebuilt = _prebuilt(entry, folder)
    _check_sizes(entry, sizes, native=bool(sources) or NATIVE_KIND in prebuilt, reference=reference)
    for variant in variants.values():
        if not variant.source.is_file():
            raise entry.problem(f"source {variant.source} is missing")
    workload = Workload(
        name=entry.name,
        title=entry.text("title", entry.name),
        summary=entry.text("summary", ""),
        source=sources[0] if sources else None,
        extra_sources=sources[1:],
        libs=entry.texts("libs", ()),
        cflags=entry.texts("cflags", ()),
        targets={kind: _parse_target(table) for kind, table in _targets(entry).items()},
        prebuilt=prebuilt,
        reference=reference,
        sizes=sizes,
        inputs=_parse_builder(builder) if builder else None,
        variants=variants,
        folder=folder,
        include=_include(entry, folder),
    )
    return workload


def _sources(entry: _Table, folder: Path) -> tuple[Path, ...]:
    """The C files of ``source`` or ``sources`` (none for a prebuilt module)."""
    if "source" in entry.data:
        source = folder / entry.text("source")
        if not source.is_file():
            raise entry.problem(f"source {source} is missing")
        return (source,)
    if "sources" not in entry.data:
        return ()
    names = entry.texts("sources")
    if not names:
        raise entry.problem("sources must name at least one C file")
    return entry.files(folder, "sources", names)


def _include(entry: _Table, folder: Path) -> tuple[Path, ...]:
    """The header folders of ``include``, relative to ``folder`` (or absolute), each of which must exist."""
    paths = tuple(folder / name for name in entry.texts("include", ()))
    if missing := [str(path) for path in paths if not path.is_dir()]:
        raise entry.problem(f"include: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} no folder")
    return paths


def _prebuilt(entry: _Table, folder: Path) -> dict[str, Path]:
    """The prebuilt programs: ``wasm`` (a wasm32-wasi command module) and ``native`` (its native
    build for this machine), which goes only with ``wasm``."""
    if "native" in entry.data and "wasm" not in entry.data:
        raise entry.problem("native (a prebuilt native binary) goes with wasm; sources are built natively")
    return {
        kind: entry.file(folder, key)
        for kind, key in ((WASM_KIND, "wasm"), (NATIVE_KIND, "native"))
        if key in entry.data
    }


def _targets(entry: _Table) -> dict[str, _Table]:
    targets = entry.tables("target", "target")
    if unknown := [kind for kind in targets if kind not in TARGET_KINDS]:
        raise entry.problem(f"target {', '.join(map(repr, unknown))} is not one of {', '.join(TARGET_KINDS)}")
    return targets


def _parse_target(entry: _Table) -> TargetBuild:
    entry.known("cflags", "libs")
    return TargetBuild(cflags=entry.texts("cflags", ()), libs=entry.texts("libs", ()))


def _check_sizes(entry: _Table, sizes: dict[str, SizeSpec], native: bool, reference: str) -> None:
    """Each size's check has what it compares against."""
    for size, spec in sizes.items():
        if spec.check == NATIVE_CHECK and not native:
            raise entry.problem(f'size {size!r}: check = "native" needs a native build (sources, or native)')
        if spec.check == REFERENCE_CHECK and not reference:
            raise entry.problem(f'size {size!r}: check = "reference" needs the workload\'s reference mode')


def _parse_builder(entry: _Table) -> InputBuilder:
    return InputBuilder(
        function=entry.text("builder"),
        requires=entry.texts("requires", ()),
        install=entry.text("install", ""),
    )


def _parse_variant(entry: _Table, folder: Path) -> Variant:
    entry.known("source", "summary", "inputs", "builder", "requires", "install", "check")
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


def _parse_size(entry: _Table, folder: Path, has_builder: bool) -> SizeSpec:
    entry.known(*SIZE_KEYS)
    check = entry.text("check", DIGEST_CHECK)
    inputs = entry.texts("inputs", ())
    if check not in (DIGEST_CHECK, *REFERENCE_CHECKS) and not has_builder:
        raise entry.problem(f"check {check!r} needs the workload's [inputs] builder (its reference)")
    if inputs and not has_builder:
        entry.files(folder, "inputs", inputs)
    exit_code = entry.integer("exit_code", 0)
    if not 0 <= exit_code <= 255:
        raise entry.problem(f"exit_code must be an exit status 0-255, not {exit_code}")
    digest, length = _expected_digest(entry, folder) if check == DIGEST_CHECK else ("", 0)
    return SizeSpec(
        args=entry.texts("args"),
        stdout_sha256=digest,
        stdout_bytes=length,
        inputs=inputs,
        check=check,
        seconds=entry.seconds("seconds"),
        exit_code=exit_code,
    )


def _expected_digest(entry: _Table, folder: Path) -> tuple[str, int | None]:
    """The expected stdout's sha256 and length: of the file ``stdout_file`` names, or as given
    (``stdout_bytes`` may be left out)."""
    if "stdout_file" in entry.data:
        if "stdout_sha256" in entry.data:
            raise entry.problem("stdout_file and stdout_sha256 both give the expected output: keep one")
        expected = entry.file(folder, "stdout_file").read_bytes()
        return hashlib.sha256(expected).hexdigest(), len(expected)
    digest = entry.text("stdout_sha256").lower()
    if not is_sha256(digest):
        raise entry.problem(f"stdout_sha256 must be 64 hexadecimal digits, not {digest!r}")
    length = entry.integer("stdout_bytes") if "stdout_bytes" in entry.data else None
    return digest, length


def select_workloads(manifest: dict[str, Workload], names: list[str] | None) -> list[Workload]:
    """The workloads named (all when none are), in manifest order; an unknown name is an error."""
    if not names:
        return list(manifest.values())
    unknown = [name for name in names if name not in manifest]
    if unknown:
        raise WasmbenchError(f"unknown workload {', '.join(unknown)} (known: {', '.join(manifest)})")
    return [manifest[name] for name in manifest if name in names]
