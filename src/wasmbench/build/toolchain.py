"""Compile every workload with one compiler: the ``ziglang`` package's ``zig cc`` (clang + LLVM).

One LLVM builds the native program, the wasm32-wasi module and the cross-architecture programs
from the same source with the same flags, so the comparison measures the runtime, not the compiler.
Builds are cached by a hash of (source and the headers beside it, flags, compiler version,
target): a rebuild with nothing changed compiles nothing.

zig keeps a cache of its own, found through ``$ZIG_GLOBAL_CACHE_DIR``, ``$XDG_CACHE_HOME`` or
``$HOME``; where none is set (a service, ``env -i``), zig refuses to start, so the toolchain points
``ZIG_GLOBAL_CACHE_DIR`` at ``zig/`` in wasmbench's own cache.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wasmbench.build.cache import cache_dir, check_cache_dir, content_key, file_sha256
from wasmbench.build.manifest import Workload, target_kind
from wasmbench.errors import WasmbenchError
from wasmbench.host.machine import cpu_flags, cpu_model

WASM_TARGET = "wasm32-wasi"
# The same module with WebAssembly's 128-bit SIMD (``-msimd128``), which clang's vectoriser then
# uses as it uses SSE2 or NEON in the portable native build: the wasm build of the same vector width.
WASM_SIMD_TARGET = "wasm32-wasi-simd"
WASM_TARGETS = (WASM_TARGET, WASM_SIMD_TARGET)

# Target name -> zig/clang flags. Linux targets use the baseline CPU of their architecture, so the
# binary is the portable one a distribution would ship (and the same bytes on every host of that
# architecture), not one tuned to the build machine.
TARGET_FLAGS: dict[str, tuple[str, ...]] = {
    "x86_64-linux": ("-target", "x86_64-linux-gnu", "-mcpu=baseline"),
    "aarch64-linux": ("-target", "aarch64-linux-gnu", "-mcpu=baseline"),
    WASM_TARGET: ("-target", "wasm32-wasi"),
    WASM_SIMD_TARGET: ("-target", "wasm32-wasi", "-msimd128"),
}

# ``native:host`` runs the same source built for this machine's CPU (``-mcpu=native``: every
# instruction-set extension it has), the physical limit a JIT that compiles for the host can reach.
# Such a build is only valid on a CPU like this one, so the CPU's identity keys its cache.
TUNED_SUFFIX = "-tuned"

# -ffp-contract=off: no fused multiply-add, so floating-point output is identical on every target.
# -s: no debug sections, which runtimes would otherwise parse on every start.
BASE_FLAGS = ("-std=c99", "-ffp-contract=off", "-s")
# Where zig looks for its own cache, in its order: without any, zig does not start.
ZIG_CACHE_VARIABLES = ("ZIG_GLOBAL_CACHE_DIR", "XDG_CACHE_HOME", "HOME")
# The optimisation levels ``--opt`` takes (clang's).
OPT_LEVELS = ("O0", "O1", "O2", "O3", "Os", "Oz")
# How clang names a WebAssembly target feature it compiles for: ``#define __wasm_simd128__ 1``.
WASM_FEATURE_MACRO = re.compile(r"^#define __wasm_(\w+)__ 1$", re.MULTILINE)


def host_target() -> str:
    """The Linux target of this machine's architecture: what ``native`` means here."""
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine())
    target = f"{arch}-linux"
    if target not in TARGET_FLAGS:
        raise WasmbenchError(f"no native target for architecture {platform.machine()!r}")
    return target


def tuned_target() -> str:
    """This machine's target built for its very CPU, e.g. ``x86_64-linux-tuned``."""
    return host_target() + TUNED_SUFFIX


def target_flags(target: str) -> tuple[str, ...]:
    """The compiler flags of a resolved target: the host-tuned one swaps the baseline CPU for
    ``-mcpu=native``."""
    if target == tuned_target():
        return tuple(
            "-mcpu=native" if flag == "-mcpu=baseline" else flag for flag in TARGET_FLAGS[host_target()]
        )
    return TARGET_FLAGS[target]


def resolve_target(name: str) -> str:
    """Accept ``native``, ``host`` (host-tuned), ``wasm``, ``wasm-simd``, a target name, or a bare
    architecture (``aarch64``)."""
    aliases = {
        "native": host_target(),
        "host": tuned_target(),
        "wasm": WASM_TARGET,
        "wasm32": WASM_TARGET,
        "wasm-simd": WASM_SIMD_TARGET,
    }
    known = {*TARGET_FLAGS, tuned_target()}
    resolved = aliases.get(name) or (name if name in known else f"{name}-linux")
    if resolved not in known:
        names = ", ".join(["native", "host", *sorted(known)])
        raise WasmbenchError(f"unknown build target {name!r} (known: {names})")
    return resolved


def is_wasm(target: str) -> bool:
    """Whether ``target`` (resolved) is a WebAssembly build, with or without SIMD."""
    return target in WASM_TARGETS


@dataclass(frozen=True)
class CompilerInfo:
    """What compiled the programs; it goes into every result file."""

    command: tuple[str, ...]
    zig_version: str
    clang_version: str


@dataclass(frozen=True)
class Artefact:
    """A compiled workload: the file a runner executes, and how it was made.

    ``wasm_features``: for a wasm build, the WebAssembly features the compiler targeted (as clang
    names them: ``simd128``, ``sign-ext``, ...); the module may use any of them, and a runtime
    must support them all. Empty for a native build.
    """

    workload: str
    target: str
    path: Path
    sha256: str
    flags: tuple[str, ...]
    cached: bool
    wasm_features: tuple[str, ...] = ()

    def describe(self) -> dict[str, object]:
        return {
            "target": self.target,
            "sha256": self.sha256,
            "flags": list(self.flags),
            "path": str(self.path),
            **({"wasm_features": list(self.wasm_features)} if self.wasm_features else {}),
        }


def helper_program(source: Path) -> Workload:
    """A small C program wasmbench itself runs (not a benchmark), built by the same toolchain."""
    return Workload(name=source.stem, title=source.stem, summary="", source=source, libs=(), sizes={})


class Toolchain:
    """Builds workloads for targets, with a content-addressed cache."""

    def __init__(self, opt_level: str = "O2", root: Path | None = None) -> None:
        if opt_level not in OPT_LEVELS:
            raise WasmbenchError(
                f"optimisation level must be one of {', '.join(OPT_LEVELS)}, not {opt_level!r}"
            )
        self.flags = (f"-{opt_level}", *BASE_FLAGS)
        # checked now: a suite makes its toolchain before its journal (see ``check_cache_dir``)
        self.root = (root or check_cache_dir()) / "build"

    @functools.cached_property
    def compiler(self) -> CompilerInfo:
        """Locate ``zig cc``; a missing or broken one is a clear error, not a traceback."""
        if importlib.util.find_spec("ziglang") is None:
            raise WasmbenchError(
                "the C toolchain is missing: install it with `pip install ziglang` "
                "(wasmbench compiles every workload with `python -m ziglang cc`)"
            )
        command = (sys.executable, "-m", "ziglang")
        zig_version = _output([*command, "version"])
        clang_version = _output([*command, "cc", "--version"]).splitlines()[0]
        return CompilerInfo(command=command, zig_version=zig_version, clang_version=clang_version)

    def describe(self) -> dict[str, object]:
        return {
            "compiler": "zig cc",
            "zig_version": self.compiler.zig_version,
            "clang_version": self.compiler.clang_version,
            "flags": list(self.flags),
        }

    def build(self, workload: Workload, target: str) -> Artefact:
        """Return the artefact for (workload, target), compiling only when the cache misses; a
        workload without sources gives its prebuilt program for the target."""
        target = resolve_target(target)
        if reason := unbuildable(workload, target):
            raise WasmbenchError(f"workload {workload.name!r}: {reason}")
        if not workload.sources:
            # a prebuilt module is the one build it is, whichever of the wasm builds a mode takes
            kind = target_kind(target)
            path, built_for = workload.prebuilt[kind], WASM_TARGET if kind == WASM_TARGET else target
            return Artefact(workload.name, built_for, path, file_sha256(path), (), cached=True)
        build = workload.build_flags(target)
        flags = (
            *self.flags,
            *target_flags(target),
            *build.cflags,
            *(f"-I{folder}" for folder in workload.include),
        )
        libs = tuple(f"-l{lib}" for lib in build.libs)
        # The key covers the sources and the headers beside them and in the include folders.
        folders = {*(source.parent for source in workload.sources), *workload.include}
        headers = {header for folder in folders for header in folder.glob("*.h")}
        key = content_key(
            *(path.read_bytes() for path in [*workload.sources, *sorted(headers)]),
            *flags,
            *libs,
            self.compiler.zig_version,
            self.compiler.clang_version,
            target,
            *((cpu_model(), cpu_flags()) if target == tuned_target() else ()),
        )
        suffix = ".wasm" if is_wasm(target) else ""
        path = self.root / key[:20] / f"{workload.name}{suffix}"
        cached = path.exists()
        if not cached:
            self._compile(workload.sources, path, [*flags, *libs])
        features = self.wasm_features(target) if is_wasm(target) else ()
        return Artefact(workload.name, target, path, file_sha256(path), flags, cached, features)

    def wasm_features(self, target: str) -> tuple[str, ...]:
        """The WebAssembly features clang compiles ``target`` for (its ``__wasm_<feature>__``
        macros: what zig's CPU model and the target's flags enable), sorted."""
        return _predefined_wasm_features((*self.compiler.command, "cc", *target_flags(target)))

    def _compile(self, sources: tuple[Path, ...], path: Path, flags: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compile next to the destination and rename, so an interrupted build never leaves a
        # half-written file that a later run would take for a cached one.
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        os.close(fd)
        command = [*self.compiler.command, "cc", *flags, "-o", partial, *map(str, sources)]
        result = subprocess.run(command, capture_output=True, text=True, env=zig_environment())
        if result.returncode != 0:
            Path(partial).unlink(missing_ok=True)
            names = " ".join(source.name for source in sources)
            raise WasmbenchError(f"compiling {names} failed: {_first_error(result.stderr)}")
        os.replace(partial, path)


def unbuildable(workload: Workload, target: str) -> str:
    """Why ``workload`` has no program for the (resolved) ``target``; empty when it has one.

    A workload with sources builds for every target; a prebuilt one only has its module and, where
    given, its native binary, which is this machine's portable build (not a host-tuned or another
    architecture's).
    """
    if workload.sources:
        return ""
    kind = target_kind(target)
    if kind not in workload.prebuilt:
        return f"a prebuilt {WASM_TARGET} module without a native build (give one: --native BINARY)"
    if kind != WASM_TARGET and target != host_target():
        return f"its prebuilt native binary is {host_target()}'s portable build, not {target}'s"
    return ""


@functools.cache
def _predefined_wasm_features(command: tuple[str, ...]) -> tuple[str, ...]:
    # An empty C file, not stdin: zig hands clang its CPU model's features only for a file.
    macros = _output([*command, "-E", "-dM", "-x", "c", os.devnull])
    return tuple(sorted(name.replace("_", "-") for name in WASM_FEATURE_MACRO.findall(macros)))


def zig_environment() -> dict[str, str] | None:
    """The environment zig runs in: this one (None), with ``ZIG_GLOBAL_CACHE_DIR`` under
    wasmbench's cache where zig would find no cache folder at all."""
    if any(os.environ.get(name) for name in ZIG_CACHE_VARIABLES):
        return None
    return {**os.environ, ZIG_CACHE_VARIABLES[0]: str(cache_dir() / "zig")}


def _first_error(diagnostics: str) -> str:
    """The compiler's first error line and its closing count, on one line (the CLI's promise)."""
    lines = [line.strip() for line in diagnostics.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line]
    first = errors[0] if errors else (lines[0] if lines else "no message")
    return f"{first} ({lines[-1]})" if len(lines) > 1 and lines[-1] != first else first


def _output(command: list[str] | tuple[str, ...]) -> str:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=True, env=zig_environment()
        ).stdout.strip()
    except OSError as error:
        raise WasmbenchError(f"the C toolchain does not run ({' '.join(command)}): {error}") from error
    except subprocess.CalledProcessError as error:  # zig's own words say why
        said = error.stderr.strip().splitlines()
        raise WasmbenchError(
            f"the C toolchain does not run ({' '.join(command)}): {said[0] if said else error}"
        ) from error
