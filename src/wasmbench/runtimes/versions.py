"""Runtime versions side by side: ``-r RUNTIME[:MODE]@VERSION`` and the mode labels that carry them.

A mode run at a version the user chose is labelled ``MODE@VERSION`` (``embedded@38.0.0``) wherever
a mode name goes — the plan, the journal, the results, every table and chart — so that each version
is its own row. The runtime's name stays the same: ``wasmtime:embedded@38.0.0`` and
``wasmtime:embedded@51.0.0`` are two modes of wasmtime. A runner at a version is another runner of
the same runtime (``Runner.versioned``), installed side by side into the cache on first use.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from wasmbench.errors import WasmbenchError

SEPARATOR = "@"


def split_version(label: str) -> tuple[str, str | None]:
    """A mode label's mode and version (None for the runtime's own, unversioned mode)."""
    mode, separator, version = label.partition(SEPARATOR)
    return mode, version if separator else None


def versioned(mode: str, version: str | None) -> str:
    """The label of ``mode`` at ``version`` (the mode itself without one)."""
    return mode if version is None else f"{mode}{SEPARATOR}{version}"


def version_order(label: str) -> tuple[str, Version]:
    """A sort key that puts a mode's versions in release order (``9.0.0`` before ``13.0.2``)."""
    mode, version = split_version(label)
    try:
        return mode, Version(version or "0")
    except InvalidVersion:  # a label from a file written by hand
        return mode, Version("0")


def runner_key(runtime: str, version: str | None) -> str:
    """The key of a suite's runner of ``runtime`` at ``version``: the runtime's name for its own."""
    return versioned(runtime, version)


def parse_spec(spec: str) -> tuple[str, str, str | None]:
    """A ``-r`` value's runtime, mode ("" when not named) and version (None when not named); a
    version that is empty or not a version number (PEP 440: ``38.0.0``, ``20.18.0``) is an error."""
    selection, separator, version = spec.partition(SEPARATOR)
    name, _, mode = selection.partition(":")
    if not separator:
        return name, mode, None
    try:
        Version(version)
    except InvalidVersion:
        raise WasmbenchError(
            f"-r {spec}: {version!r} is not a version number (RUNTIME[:MODE]@VERSION, "
            f"e.g. wasmtime:embedded@38.0.0)"
        ) from None
    return name, mode, version
