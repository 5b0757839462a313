"""Where wasmbench keeps what it can rebuild: compiled programs and prepared (AOT) artefacts."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from wasmbench.errors import WasmbenchError

CACHE_VARIABLE = "WASMBENCH_CACHE"


def cache_dir() -> Path:
    """``$WASMBENCH_CACHE``, else ``$XDG_CACHE_HOME/wasmbench``, else ``~/.cache/wasmbench``."""
    if explicit := os.environ.get(CACHE_VARIABLE):
        return Path(explicit)
    if base := os.environ.get("XDG_CACHE_HOME"):
        return Path(base) / "wasmbench"
    try:
        home = Path.home()  # $HOME, else the user's entry in the password database
    except RuntimeError:  # neither (a container run as a uid without an entry)
        raise WasmbenchError(
            f"no folder for wasmbench's cache: $HOME is not set and this user has no home folder "
            f"(set ${CACHE_VARIABLE} or HOME)"
        ) from None
    return home / ".cache" / "wasmbench"


def check_cache_dir() -> Path:
    """The cache folder, created if need be and proven writable (a file made and removed in it):
    a suite checks it before its journal exists, so a cache it cannot use is one error line, not a
    harness error after a journal that ``--resume`` could never complete."""
    folder = cache_dir()
    fix = f"set ${CACHE_VARIABLE} to a folder you can write"
    if folder.exists() and not folder.is_dir():
        raise WasmbenchError(f"the cache folder {folder} is a file, not a folder ({fix})")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".wasmbench-probe-"):
            pass
    except OSError as error:
        raise WasmbenchError(
            f"the cache folder {folder} cannot be created or written: {error.strerror} ({fix})"
        ) from error
    return folder


def content_key(*parts: str | bytes) -> str:
    """A hash of everything an artefact depends on, so a change to any part misses the cache."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
