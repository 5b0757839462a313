"""Installing one pinned release into wasmbench's cache, never half of it.

Everything happens in a temporary folder beside the final one: download each archive, verify its
sha256 (pinned in the catalog, or read from the checksum file the release publishes), unpack,
start each program once (it must answer), write the record — and only then one rename puts the
folder in place. Any failure leaves nothing behind and is one line: the URL and the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wasmbench.provision.catalog import Asset, Release, default_mirror, host_arch, load_catalog, mirrored
from wasmbench.provision.download import DownloadError, download, published_sha256
from wasmbench.provision.installed import RECORD, install_dir, install_record, runtimes_dir
from wasmbench.provision.unpack import UnpackError, unpack

CHECK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Outcome:
    """What became of one runtime: ``installed``, ``present`` (nothing to do), ``skipped`` (cannot
    be had here: no build for this architecture, offline, not root) or ``failed``."""

    name: str
    status: str
    detail: str

    def line(self) -> str:
        return f"{self.name}: {self.status}: {self.detail}"


@dataclass(frozen=True)
class PinnedArchive:
    """A runtime's release the user chose (``-r wasmedge@0.16.1``), when the runtime catalog pins it:
    installed on first use as ``setup runtimes`` installs the runtime's own, into its version's folder."""

    name: str
    version: str

    @property
    def release(self) -> Release | None:
        runtime = load_catalog().get(self.name)
        return runtime.pinned(self.version) if runtime else None

    @property
    def folder(self) -> Path:
        return runtimes_dir() / self.name / self.version

    @property
    def hint(self) -> str:
        runtime = load_catalog().get(self.name)
        pinned = ", ".join(runtime.pinned_versions) if runtime else "none"
        return f"the versions the runtime catalog pins: {pinned}"

    def relative(self, program: str) -> str:
        """Where ``program`` is inside the folder (as in the runtime's own release where the
        version is not pinned: it is then never found)."""
        release = self.release or load_catalog().get(self.name)
        return release.programs.get(program, program) if release else program

    def provide(self) -> str:
        """Installed now unless it is; "" or the one line saying why it cannot be (tried once per
        process: every mode of the version asks)."""
        key = self.folder
        if key not in _PROVIDED:
            release = self.release
            _PROVIDED[key] = (
                _install_on_first_use(release)
                if release
                else f"the runtime catalog pins no {self.name} {self.version}"
            )
        return _PROVIDED[key]

    def origin(self) -> str:
        return f"the pinned {self.name} {self.version} archive in {self.folder}"


def installed_others(name: str) -> list[str]:
    """The runtime's other pinned versions installed beside its own, in the catalog's order."""
    runtime = load_catalog().get(name)
    others = runtime.others.values() if runtime else ()
    return [release.version for release in others if install_record(release) is not None]


# What became of each pinned release a runner at a version asked for, by its folder.
_PROVIDED: dict[Path, str] = {}


def _install_on_first_use(release: Release) -> str:
    if install_record(release) is None:
        print(f"installing {release.name} {release.version} from its release archive", file=sys.stderr)
    outcome = install_release(release, default_mirror())
    return "" if outcome.status in ("installed", "present") else outcome.detail


class _Failure(Exception):
    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def install_release(release: Release, mirror: str | None) -> Outcome:
    """Install ``release`` for this host's architecture unless it is installed already."""
    final = install_dir(release)
    if install_record(release) is not None:
        return Outcome(release.name, "present", f"{release.version} in {final}")
    assets = release.assets_for(host_arch())
    if not assets:
        return Outcome(release.name, "skipped", f"{release.name} publishes no {host_arch()} Linux build")
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent, prefix=".partial-") as scratch:
        work = Path(scratch)
        root = work / "root"
        root.mkdir()
        try:
            archives = [_fetch_verified(release, asset, mirror, work, root) for asset in assets]
            _check_programs(release, root)
        except _Failure as failure:
            return Outcome(release.name, failure.status, failure.detail)
        record = {"name": release.name, "version": release.version, "archives": archives}
        (root / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        shutil.rmtree(final, ignore_errors=True)  # a folder without its record is not an install
        root.rename(final)
    digests = ", ".join(f"{archive['file']} sha256 {archive['sha256'][:16]}…" for archive in archives)
    return Outcome(release.name, "installed", f"{release.version} in {final} ({digests})")


def _fetch_verified(release: Release, asset: Asset, mirror: str | None, work: Path, root: Path) -> dict:
    url = mirrored(asset.url, mirror)
    archive = work / asset.filename
    try:
        expected = asset.sha256 or _published(release, asset, mirror, work)
        actual = download(url, archive)
    except DownloadError as error:
        # Only the official servers out of reach are a skip (offline): a named mirror is to answer.
        skipped = error.unreachable and not mirror
        raise _Failure("skipped" if skipped else "failed", f"{error.url}: {error.reason}") from None
    if actual != expected:
        raise _Failure("failed", f"{url}: sha256 {actual} is not the expected {expected}")
    try:
        unpack(archive, asset, root)
    except UnpackError as error:
        raise _Failure("failed", f"{url}: {error}") from None
    archive.unlink()
    return {"file": asset.filename, "url": asset.url, "sha256": actual}


def _published(release: Release, asset: Asset, mirror: str | None, work: Path) -> str:
    if not release.checksums:  # a fact of the catalog, not a fault of this host: skipped
        raise _Failure(
            "skipped",
            f"{asset.url}: no sha256 is pinned for it and the release publishes no checksum file "
            "(pin one in a copy of runtimes.toml, named by $WASMBENCH_RUNTIMES)",
        )
    return published_sha256(mirrored(release.checksums, mirror), asset.filename, work)


def _check_programs(release: Release, root: Path) -> None:
    """Each program must start here and answer its check (e.g. ``--version``)."""
    for name, relative in release.programs.items():
        program = root / relative
        try:
            answer = subprocess.run(
                [str(program), *release.check], capture_output=True, text=True, timeout=CHECK_TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            detail = f"{name} from the {release.name} archive does not start here: {error}"
            raise _Failure("failed", detail) from None
        if answer.returncode != 0:
            words = (answer.stderr or answer.stdout).strip().splitlines()[-1:]
            raise _Failure(
                "failed",
                f"{name} {' '.join(release.check)} exits with {answer.returncode}: {' '.join(words)}",
            )
