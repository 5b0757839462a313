"""What ``setup runtimes`` has installed: where, and from which verified archives.

An install folder (``<cache>/runtimes/<name>/<version>/``) exists only whole: it appears by one
rename after its archives were verified and unpacked, with ``RECORD`` (the archives' URLs and
sha256) inside. The runners ask here for a program before they look on PATH, so the pinned build
is the one measured; results name each archive's sha256 (``archive_digests``), so two hosts can be
seen to have run the same build.
"""

from __future__ import annotations

import json
from pathlib import Path

from wasmbench.build.cache import cache_dir
from wasmbench.provision.catalog import Release, load_catalog

RECORD = ".wasmbench-install.json"


def runtimes_dir() -> Path:
    return cache_dir() / "runtimes"


def install_dir(release: Release) -> Path:
    return runtimes_dir() / release.name / release.version


def install_record(release: Release) -> dict | None:
    """The record of the pinned version's install, or None when it is not installed."""
    try:
        return json.loads((install_dir(release) / RECORD).read_text())
    except (OSError, ValueError):
        return None


def installed_program(name: str) -> Path | None:
    """The program ``name`` (e.g. ``iwasm``) from the pinned release that ships it, if installed."""
    for release in load_catalog().values():
        relative = release.programs.get(name)
        if relative is not None and install_record(release) is not None:
            path = install_dir(release) / relative
            return path if path.is_file() else None
    return None


def archive_digests() -> dict[str, dict[str, object]]:
    """Per installed runtime: its version and the sha256 of each archive it came from; an other
    pinned version installed beside it (``-r wasmedge@0.16.1``) under ``NAME@VERSION``."""
    digests: dict[str, dict[str, object]] = {}
    for runtime in load_catalog().values():
        for release in (runtime, *runtime.others.values()):
            record = install_record(release)
            if record is None:
                continue
            key = release.name if release is runtime else f"{release.name}@{release.version}"
            digests[key] = {
                "version": release.version,
                "sha256": {archive["file"]: archive["sha256"] for archive in record["archives"]},
            }
    return digests
