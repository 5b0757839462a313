"""The pinned runtime releases (``runtimes.toml``), read into plain records.

The file is data so that a version bump, a new architecture or a site's own pins are an edit of
one file (``$WASMBENCH_RUNTIMES`` points at a copy), never of code.
"""

from __future__ import annotations

import functools
import os
import platform
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dacite

from wasmbench.errors import WasmbenchError

CATALOG_VARIABLE = "WASMBENCH_RUNTIMES"
MIRROR_VARIABLE = "WASMBENCH_MIRROR"


@dataclass(frozen=True)
class Asset:
    """One file of a release: an archive (or a bare executable when ``file`` is set)."""

    url: str
    sha256: str = ""
    strip: int = 0
    into: str = ""
    file: str = ""

    @property
    def filename(self) -> str:
        return urlsplit(self.url).path.rsplit("/", 1)[-1]


ASSET_KEYS = tuple(f.name for f in fields(Asset))


@dataclass(frozen=True)
class Release:
    """A runtime at its pinned version, with the assets for every architecture it ships for."""

    name: str
    version: str
    source: str
    programs: dict[str, str]
    check: tuple[str, ...]
    checksums: str
    assets: dict[str, tuple[Asset, ...]]
    others: dict[str, Release] = field(default_factory=dict)

    def assets_for(self, arch: str) -> tuple[Asset, ...]:
        """This architecture's assets; none when the project publishes no build for it."""
        return self.assets.get(arch, ())

    @property
    def pinned_versions(self) -> list[str]:
        """Every version the catalog pins for the runtime: this one, then the ``versions`` table's."""
        return [self.version, *self.others]

    def pinned(self, version: str) -> Release | None:
        """The runtime's release at ``version`` (``-r wasmedge@0.16.1``), None when it is not pinned."""
        return self if version == self.version else self.others.get(version)


def catalog_path() -> Path:
    """``$WASMBENCH_RUNTIMES`` when set (a site's own pins), else the file shipped with wasmbench."""
    explicit = os.environ.get(CATALOG_VARIABLE)
    return Path(explicit) if explicit else Path(__file__).with_name("runtimes.toml")


def load_catalog() -> dict[str, Release]:
    """Every pinned release, by runtime name; read once per catalog file."""
    return _load(catalog_path())


@dataclass(frozen=True)
class _Entry:
    """A runtime's table in the catalog file, as written (``{version}`` not yet filled in)."""

    version: str
    programs: dict[str, str]
    source: str = ""
    check: tuple[str, ...] = ("--version",)
    checksums: str = ""
    assets: dict[str, tuple[Asset, ...]] = field(default_factory=dict)
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)


# Every key checked: a misspelt one (``verison``, ``sha265``) is an error, never a silent default.
_STRICT = dacite.Config(strict=True, cast=[tuple])


@functools.cache
def _load(path: Path) -> dict[str, Release]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WasmbenchError(f"cannot read the runtime catalog {path}: {error}") from error
    releases = {}
    for name, entry in data.items():
        try:
            if not isinstance(entry, dict):
                raise TypeError("is not a table")
            releases[name] = _pinned(name, entry)
        except KeyError as error:
            problem = f"has {{{error.args[0]}}} in a URL; only {{version}} is filled in"
        except (dacite.DaciteError, TypeError, ValueError) as error:
            problem = str(error)
        else:
            continue
        raise WasmbenchError(
            f"the runtime catalog {path} is malformed: [{name}] {problem} (the keys are "
            f"{', '.join(f.name for f in fields(_Entry))}; an asset's {', '.join(ASSET_KEYS)})"
        )
    return releases


def _pinned(name: str, table: dict[str, Any]) -> Release:
    """The runtime's release, with the other versions of its ``versions`` table: each takes the
    runtime's keys, except those it sets itself (e.g. its own ``assets`` where a project renamed
    them), with ``{version}`` filled in with its own version."""
    entry = dacite.from_dict(_Entry, table, _STRICT)
    common = {key: value for key, value in table.items() if key != "versions"}
    others = {
        version: _release(name, dacite.from_dict(_Entry, {**common, **own, "version": version}, _STRICT))
        for version, own in entry.versions.items()
    }
    return replace(_release(name, entry), others=others)


def _release(name: str, entry: _Entry) -> Release:
    version = entry.version
    assets = {
        arch: tuple(
            replace(asset, url=asset.url.format(version=version), sha256=asset.sha256.lower())
            for asset in items
        )
        for arch, items in entry.assets.items()
    }
    return Release(
        name=name,
        version=version,
        source=entry.source,
        programs=entry.programs,
        check=entry.check,
        checksums=entry.checksums.format(version=version),
        assets=assets,
    )


def host_arch() -> str:
    """The architecture as the catalog names it (``uname -m``: x86_64, aarch64)."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def mirrored(url: str, mirror: str | None) -> str:
    """``url`` on ``mirror``: the same path under the official host's name, so a folder filled
    by ``wget -x URL`` (host/path) is a mirror; the URL itself without one."""
    if not mirror:
        return url
    parts = urlsplit(url)
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}"


def default_mirror() -> str | None:
    return os.environ.get(MIRROR_VARIABLE) or None


def check_mirror_url(mirror: str) -> None:
    """A mirror is an http:// or https:// URL with a host: refuse anything else before any download."""
    parts = urlsplit(mirror)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WasmbenchError(
            f"the mirror must be an http:// or https:// URL (--mirror or ${MIRROR_VARIABLE}), not {mirror!r}"
        )
