"""Fetching a release file over HTTP(S), with its sha256, and telling an unreachable host (skip:
offline or air-gapped) from a server that answered badly (fail: 404, cut-off transfer). A mirror
the user named is asked first (``reach``): that one not answering is a failure, not a skip."""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_S = 60.0
BLOCK = 1 << 20


class DownloadError(Exception):
    """A download that did not complete; ``unreachable`` when no server answered at all."""

    def __init__(self, url: str, reason: str, unreachable: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.unreachable = unreachable


def reach(url: str) -> None:
    """Raise an ``unreachable`` ``DownloadError`` unless a server answers at ``url`` (with
    anything: a mirror's root may well be a 404)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=TIMEOUT_S):
            pass
    except urllib.error.HTTPError:
        pass
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(url, f"cannot reach the server: {reason}", unreachable=True) from None


def download(url: str, destination: Path) -> str:
    """Write ``url`` to ``destination``; returns its sha256. A transfer shorter than the length the
    server announced is an error, never a file that looks whole."""
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, destination.open("wb") as out:
            expected = response.headers.get("Content-Length")
            for block in iter(lambda: response.read(BLOCK), b""):
                digest.update(block)
                out.write(block)
                received += len(block)
    except urllib.error.HTTPError as error:
        raise DownloadError(url, f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise DownloadError(url, f"cannot reach the server: {error.reason}", unreachable=True) from None
    except (http.client.IncompleteRead, ConnectionError, TimeoutError) as error:
        raise DownloadError(url, f"the transfer broke off after {received} bytes: {error!r}") from None
    if expected is not None and received != int(expected):
        raise DownloadError(url, f"the transfer broke off after {received} of {expected} bytes")
    return digest.hexdigest()


def published_sha256(checksums_url: str, filename: str, scratch: Path) -> str:
    """The sha256 a release's checksum file (``sha256sum`` format) gives for ``filename``."""
    listing = scratch / "checksums.txt"
    download(checksums_url, listing)
    for line in listing.read_text(errors="replace").splitlines():
        words = line.split()
        if len(words) == 2 and words[1].lstrip("*").rsplit("/", 1)[-1] == filename:
            return words[0].lower()
    raise DownloadError(checksums_url, f"the checksum file names no {filename}")
