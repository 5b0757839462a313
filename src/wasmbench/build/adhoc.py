"""A program of the user's own, named on the command line: ``wasmbench run -w ./prog.c -- ARGS``.

A ``-w`` value that is a path (it contains a ``/``, ends in ``.c`` or ``.wasm``, or is no
manifest key but a file or folder that exists) is made into the manifest entry a suite folder
would hold for it — ``source``, ``sources`` or ``wasm`` (with ``native``), its arguments at every
size the suite measures, its inputs and its check — and parsed as a manifest entry is, so it is
checked, built, run and validated exactly as a workload of the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wasmbench.build.manifest import (
    NATIVE_CHECK,
    REFERENCE_CHECK,
    Workload,
    parse_entry,
)
from wasmbench.errors import WasmbenchError

C_SUFFIX, WASM_SUFFIX = ".c", ".wasm"


def is_program_path(value: str, manifest: Mapping[str, Workload]) -> bool:
    """Whether a ``-w`` value names a program of the user's rather than a manifest key."""
    if "/" in value or value.endswith((C_SUFFIX, WASM_SUFFIX)):
        return True
    return value not in manifest and Path(value).exists()


@dataclass(frozen=True)
class AdHocOptions:
    """What the command line says about every ``-w PATH`` program of a suite (``SuiteOptions``'
    fields of the same names): its arguments, the module's native build, the expected output
    (a reference mode's, a file's or a digest; by default the native build's), its exit status
    and its input files."""

    args: tuple[str, ...] = ()
    native: str | None = None
    reference: str | None = None
    expect_file: str | None = None
    expect_sha256: str | None = None
    expect_exit: int | None = None
    inputs: tuple[str, ...] = ()

    @property
    def given(self) -> list[str]:
        """The options given, by flag: with no ``-w PATH`` they would be silently ignored."""
        flags = {
            "--native": self.native,
            "--reference": self.reference,
            "--expect-file": self.expect_file,
            "--expect-sha256": self.expect_sha256,
            "--expect-exit": self.expect_exit is not None,
            "--input": self.inputs,
            "arguments after --": self.args,
        }
        return [flag for flag, value in flags.items() if value]

    def workload(self, value: str, sizes: list[str]) -> Workload:
        """The workload of the program at path ``value``, at each of ``sizes``."""
        path = Path(value)
        entry = {
            "title": path.absolute().name,
            "summary": " ".join([path.name, *self.args]),
            **self._program(path),
        }
        check = self._check(value, has_native="wasm" not in entry or "native" in entry)
        if check.get("check") == REFERENCE_CHECK:
            entry["reference"] = self.reference
        size = {
            "args": list(self.args),
            "exit_code": self.expect_exit or 0,
            "inputs": [str(Path(name).absolute()) for name in self.inputs],
            **check,
        }
        entry["sizes"] = {name: size for name in sizes}
        name = path.absolute().stem if path.suffix in (C_SUFFIX, WASM_SUFFIX) else path.absolute().name
        return parse_entry(name, entry, Path.cwd(), f"-w {value}")

    def _program(self, path: Path) -> dict[str, object]:
        """The keys that say what the program is built from."""
        if not path.exists():
            raise WasmbenchError(f"-w {path}: no such file or folder")
        if self.native and path.suffix != WASM_SUFFIX:
            raise WasmbenchError(
                f"-w {path}: --native goes with a prebuilt module (-w MODULE.wasm); "
                "a C program's native build is made from its sources"
            )
        if path.is_dir():
            sources = sorted(str(source.absolute()) for source in path.glob(f"*{C_SUFFIX}"))
            if not sources:
                raise WasmbenchError(f"-w {path}: no {C_SUFFIX} file in this folder")
            return {"sources": sources}
        if path.suffix == C_SUFFIX:
            return {"source": str(path.absolute())}
        if path.suffix == WASM_SUFFIX:
            native = {"native": str(Path(self.native).absolute())} if self.native else {}
            return {"wasm": str(path.absolute()), **native}
        raise WasmbenchError(f"-w {path}: not a C file, a folder of C files or a {WASM_SUFFIX} module")

    def _check(self, value: str, has_native: bool) -> dict[str, str]:
        """The size's keys that say how its output is checked."""
        expected = {
            "--reference": {"check": REFERENCE_CHECK} if self.reference else None,
            "--expect-file": {"stdout_file": str(Path(self.expect_file).absolute())}
            if self.expect_file
            else None,
            "--expect-sha256": {"stdout_sha256": self.expect_sha256} if self.expect_sha256 else None,
        }
        given = {flag: keys for flag, keys in expected.items() if keys is not None}
        if len(given) > 1:
            raise WasmbenchError(f"{' and '.join(given)} each give the expected output: give one")
        if given:
            return next(iter(given.values()))
        if not has_native:
            raise WasmbenchError(
                f"-w {value}: nothing to check its output against: give its native build (--native "
                "BINARY), a reference mode (--reference wasmtime:jit), --expect-file or --expect-sha256"
            )
        return {"check": NATIVE_CHECK}
