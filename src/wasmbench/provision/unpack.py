"""Unpacking a verified release file into a folder, safely: tar members go through tarfile's
``data`` filter (no absolute paths, no ``..``, no links out of the folder, no device files), and a
bare executable is placed where the catalog says."""

from __future__ import annotations

import shutil
import stat
import tarfile
from pathlib import Path

from wasmbench.provision.catalog import Asset

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar")


class UnpackError(Exception):
    pass


def unpack(archive: Path, asset: Asset, root: Path) -> None:
    """Put ``archive`` (the downloaded ``asset``) into the install folder ``root``."""
    if asset.file:
        target = root / asset.file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archive, target)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return
    staging = root.parent / f".unpack-{asset.filename}"
    staging.mkdir()
    try:
        if not asset.filename.endswith(TAR_SUFFIXES):
            raise UnpackError(f"{asset.filename} is no tar archive (a bare executable needs `file`)")
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        top = _stripped(staging, asset.strip)
        destination = root / asset.into
        destination.mkdir(parents=True, exist_ok=True)
        for entry in top.iterdir():
            entry.rename(destination / entry.name)
    except (tarfile.TarError, OSError) as error:
        raise UnpackError(f"cannot unpack {asset.filename}: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stripped(folder: Path, strip: int) -> Path:
    """The folder ``strip`` levels down, each level being the archive's one top folder."""
    for _ in range(strip):
        entries = list(folder.iterdir())
        if len(entries) != 1 or not entries[0].is_dir():
            raise UnpackError(f"expected one top folder to strip, found {sorted(e.name for e in entries)}")
        folder = entries[0]
    return folder
