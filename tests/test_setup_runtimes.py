"""``wasmbench setup runtimes`` against a local mirror of the official releases (release_mirror.py):
download, verification, a 404, a transfer cut off, offline, idempotence, what the runners and
``list`` then find, and what results record. The official URLs themselves are checked where the
network reaches them (and skipped with the reason where it does not)."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from release_mirror import Mirror, build_mirror

import wasmbench.provision.catalog
from wasmbench.cli import main
from wasmbench.host.machine import machine_info
from wasmbench.provision import system
from wasmbench.provision.catalog import CATALOG_VARIABLE, MIRROR_VARIABLE, host_arch, load_catalog, mirrored
from wasmbench.provision.installed import runtimes_dir
from wasmbench.runners.wamr import WamrRunner
from wasmbench.runners.wasmedge import WasmEdgeRunner
from wasmbench.runners.wavm import WavmRunner

ARCHIVE_RUNTIMES = ["wasmedge", "wasmer", "wavm", "wamr", "wasm3", "node"]


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Mirror:
    """A served mirror, its catalog copy in force, and a cache, HOME and PATH of the test's own
    (nothing installed, no runtime on PATH, never root: the distribution's packages stay out)."""
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("WASMEDGE_DIR", raising=False)
    monkeypatch.setattr(system, "is_root", lambda: False)
    served = build_mirror(tmp_path / "mirror", tmp_path / "runtimes.toml")
    monkeypatch.setenv(CATALOG_VARIABLE, str(tmp_path / "runtimes.toml"))
    served.serve()
    yield served
    served.stop()


def setup(capsys, mirror_url: str, *names: str) -> tuple[int, dict[str, str]]:
    code = main(["setup", "runtimes", *(names or ARCHIVE_RUNTIMES), "--mirror", mirror_url])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, {line.split(":")[0]: line for line in lines}


def expected_here() -> list[str]:
    return [name for name in ARCHIVE_RUNTIMES if load_catalog()[name].assets_for(host_arch())]


def test_every_mirrored_runtime_installs_verified_and_list_shows_it_from_setup_runtimes(mirror, capsys):
    code, lines = setup(capsys, mirror.url)
    assert code == 0, lines
    for name in expected_here():
        assert lines[name].startswith(f"{name}: installed: {load_catalog()[name].version} in "), lines
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    runtimes = listing.split("\nRuntimes")[1].splitlines()[1:]
    # mode, status, selection (default or opt-in), origin ("setup runtimes": two words), versions
    rows = {
        line.split()[0]: [line.split()[1], *line.split()[3:5]] for line in runtimes if line.startswith("  ")
    }
    for mode in ("wasmedge:interpreter", "wasmedge:jit", "wasmedge:aot", "wavm:aot", "wasm3:interpreter"):
        if mode.split(":")[0] in expected_here():
            assert rows[mode] == ["available", "setup", "runtimes"], rows[mode]
    assert rows["node:default"] == ["available", "setup", "runtimes"]


def test_the_runners_find_the_installs_and_results_record_each_archives_sha256(mirror, capsys):
    setup(capsys, mirror.url, "wasmedge", "node")
    runner = WasmEdgeRunner()
    assert runner.program.origin() == "setup runtimes"
    assert runner.declaration.mode("aot").source.origin() == "setup runtimes"
    assert runner.program.locate().is_relative_to(runtimes_dir() / "wasmedge" / "0.17.1")
    assert runner.version() == {"wasmedge": "0.17.1"}
    recorded = machine_info()["runtime_archives"]
    asset = load_catalog()["wasmedge"].assets_for(host_arch())[0]
    served = mirror.path_of(asset.url).read_bytes()
    assert recorded["wasmedge"] == {
        "version": "0.17.1",
        "sha256": {asset.filename: hashlib.sha256(served).hexdigest()},
    }
    assert set(recorded) == {"wasmedge", "node"}


def test_running_it_again_downloads_nothing(mirror, capsys):
    setup(capsys, mirror.url)
    before = len(mirror.requests)
    code, lines = setup(capsys, mirror.url)
    assert code == 0 and len(mirror.requests) == before
    assert all(": present: " in lines[name] for name in expected_here())


def test_a_checksum_mismatch_installs_nothing_of_that_runtime_and_leaves_the_others(mirror, capsys):
    asset = load_catalog()["wasmedge"].assets_for(host_arch())[0]
    mirror.path_of(asset.url).write_bytes(b"not the archive the checksum file names")
    code, lines = setup(capsys, mirror.url, "wasmedge", "wasm3")
    assert code == 1
    assert lines["wasmedge"].startswith(f"wasmedge: failed: {mirrored(asset.url, mirror.url)}: sha256 ")
    assert "is not the expected" in lines["wasmedge"]
    assert not (runtimes_dir() / "wasmedge").exists() or not list((runtimes_dir() / "wasmedge").iterdir())
    if "wasm3" in expected_here():
        assert ": installed: " in lines["wasm3"]


def test_a_404_and_a_cut_off_transfer_are_one_line_each_with_the_url(mirror, capsys):
    wavm = load_catalog()["wavm"].assets_for(host_arch())[0]
    mirror.path_of(wavm.url).unlink()
    node = load_catalog()["node"].assets_for(host_arch())[0]
    mirror.cut.add("/" + str(mirror.path_of(node.url).relative_to(mirror.root)))
    code, lines = setup(capsys, mirror.url, "wavm", "node")
    assert code == 1
    assert lines["wavm"] == f"wavm: failed: {mirrored(wavm.url, mirror.url)}: HTTP 404 File not found"
    assert lines["node"].startswith(f"node: failed: {mirrored(node.url, mirror.url)}: the transfer broke off")
    assert not list(runtimes_dir().glob("*/*/bin"))


def test_a_named_mirror_that_does_not_answer_is_one_line_and_a_failure(mirror, capsys):
    mirror.stop()
    assert main(["setup", "runtimes", "--mirror", mirror.url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"wasmbench: the mirror does not answer: {mirror.url}: cannot reach")
    assert len(captured.err.splitlines()) == 1


@pytest.mark.parametrize("url", ["/srv/mirror", "ftp://mirror.example/releases", "http:/no-host"])
def test_a_mirror_that_is_not_an_http_url_is_one_line_and_a_usage_error(mirror, capsys, url):
    assert main(["setup", "runtimes", "--mirror", url]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "wasmbench: error: the mirror must be an http:// or https:// URL "
        f"(--mirror or $WASMBENCH_MIRROR), not {url!r}\n"
    )
    assert not mirror.requests


def test_offline_every_runtime_from_the_official_servers_is_skipped_with_the_reason(mirror, capsys, tmp_path):
    """No mirror: the catalog's own servers out of reach mean offline, a skip. (Here the catalog's
    URLs are the stopped mirror's, standing in for the official servers.)"""
    catalog = tmp_path / "runtimes.toml"
    catalog.write_text(catalog.read_text().replace('"https://', f'"{mirror.url}/'))
    mirror.stop()
    code = main(["setup", "runtimes", *ARCHIVE_RUNTIMES])
    lines = {line.split(":")[0]: line for line in capsys.readouterr().out.strip().splitlines()}
    assert code == 0
    for name in expected_here():
        assert lines[name].startswith(f"{name}: skipped: {mirror.url}/") and "cannot reach" in lines[name]


def test_an_unverifiable_archive_is_refused(tmp_path, monkeypatch, capsys):
    catalog = tmp_path / "runtimes.toml"
    catalog.write_text(
        '[wasm3]\nversion = "0.5.0"\nprograms = { wasm3 = "bin/wasm3" }\n'
        f'[[wasm3.assets.{host_arch()}]]\nurl = "https://example.invalid/wasm3"\nfile = "bin/wasm3"\n'
    )
    monkeypatch.setenv(CATALOG_VARIABLE, str(catalog))
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path / "cache"))
    assert main(["setup", "runtimes", "wasm3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wasm3: skipped: https://example.invalid/wasm3: no sha256 is pinned for it")
    assert "the release publishes no checksum file" in out


def test_wamr_comes_as_two_archives_into_one_folder(mirror, capsys):
    if "wamr" not in expected_here():
        pytest.skip(f"WAMR publishes no {host_arch()} Linux build")
    setup(capsys, mirror.url, "wamr")
    runner = WamrRunner()
    assert runner.availability("aot").available
    assert runner.declaration.mode("aot").source.origin() == "setup runtimes"
    assert runner.version() == {"iwasm": "2.4.4", "wamrc": "2.4.4"}


def official_urls() -> list[str]:
    urls = []
    for release in load_catalog().values():
        urls += [asset.url for assets in release.assets.values() for asset in assets]
        urls += [release.checksums] if release.checksums else []
    return urls


@pytest.mark.parametrize("url", official_urls())
def test_the_official_urls_exist(url):
    """Where the network reaches the projects' servers; offline (as where these tests were written)
    each is skipped with the reason."""
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    except urllib.error.HTTPError as error:
        pytest.fail(f"{url}: HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        pytest.skip(f"cannot reach {url} from here: {error}")


OTHER_WAVM = "nightly-2025-10-01"


@pytest.fixture
def two_wavms(tmp_path, monkeypatch) -> Mirror:
    """The mirror, for a catalog that pins a second WAVM release beside its own (taking the same
    asset names), the runners pointed at it (``$WASMBENCH_MIRROR``)."""
    catalog = tmp_path / "two-wavms.toml"
    shipped = Path(wasmbench.provision.catalog.__file__).with_name("runtimes.toml")
    catalog.write_text(f'{shipped.read_text()}\n[wavm.versions."{OTHER_WAVM}"]\n')
    monkeypatch.setenv(CATALOG_VARIABLE, str(catalog))
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    served = build_mirror(tmp_path / "mirror", tmp_path / "runtimes.toml")
    monkeypatch.setenv(CATALOG_VARIABLE, str(tmp_path / "runtimes.toml"))
    served.serve()
    monkeypatch.setenv(MIRROR_VARIABLE, served.url)
    yield served
    served.stop()


def test_another_pinned_version_installs_on_first_use_beside_the_runtimes_own(two_wavms, capsys):
    own, other = WavmRunner(), WavmRunner().versioned(OTHER_WAVM)
    assert load_catalog()["wavm"].pinned_versions == [load_catalog()["wavm"].version, OTHER_WAVM]
    assert other.availability("aot").available
    folder = runtimes_dir() / "wavm" / OTHER_WAVM
    assert other.program.locate().is_relative_to(folder)
    assert other.origin("aot") == f"the pinned wavm {OTHER_WAVM} archive in {folder}"
    assert not own.availability("aot").available, "the runtime's own release is not that one"
    assert f"wavm@{OTHER_WAVM}" in machine_info()["runtime_archives"]
    assert f"installing wavm {OTHER_WAVM} from its release archive" in capsys.readouterr().err


def test_a_version_the_catalog_does_not_pin_is_the_reason_its_modes_skip(two_wavms):
    availability = WavmRunner().versioned("nightly-1999-01-01").availability("jit")
    assert availability.reason == "the runtime catalog pins no wavm nightly-1999-01-01"
    assert availability.hint.endswith(f"pins: {load_catalog()['wavm'].version}, {OTHER_WAVM}")
