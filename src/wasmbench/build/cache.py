"""Where wasmbench keeps what it can rebuild: compiled programs and prepared (AOT) artefacts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path:
    """``$WASMBENCH_CACHE``, else ``$XDG_CACHE_HOME/wasmbench``, else ``~/.cache/wasmbench``."""
    if explicit := os.environ.get("WASMBENCH_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wasmbench"


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
