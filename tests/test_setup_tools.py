"""``wasmbench setup tools``: Debian's load generators, installed as root when missing."""

from __future__ import annotations

import shutil

import pytest

from wasmbench.cli import main
from wasmbench.provision import apt, system, tools


@pytest.fixture
def only_hey(monkeypatch):
    """A machine where hey is on PATH, wrk is not, and apt-get is; installs are recorded, not run."""
    installed: list[list[str]] = []
    monkeypatch.setattr(shutil, "which", lambda command: None if command == "wrk" else f"/usr/bin/{command}")
    monkeypatch.setattr(apt, "install", lambda packages: installed.append(list(packages)) or "")
    return installed


def test_a_missing_tool_is_installed_from_the_distribution_as_root(only_hey, monkeypatch, capsys):
    monkeypatch.setattr(system, "is_root", lambda: True)
    assert main(["setup", "tools"]) == 0
    assert only_hey == [["wrk"]]
    assert capsys.readouterr().out.splitlines() == [
        "hey: present: /usr/bin/hey",
        "wrk: installed: the distribution's wrk",
    ]


def test_without_root_a_missing_tool_is_skipped_with_the_reason(only_hey, monkeypatch):
    monkeypatch.setattr(system, "is_root", lambda: False)
    outcomes = {outcome.name: outcome for outcome in tools.setup_tools()}
    assert only_hey == []
    assert outcomes["wrk"].status == "skipped" and "needs root" in outcomes["wrk"].detail
    assert outcomes["hey"].status == "present"


def test_a_failed_install_is_exit_status_1(only_hey, monkeypatch, capsys):
    monkeypatch.setattr(system, "is_root", lambda: True)
    monkeypatch.setattr(apt, "install", lambda packages: "apt-get install failed: no wrk")
    assert main(["setup", "tools"]) == 1
    assert "wrk: failed: apt-get install failed: no wrk" in capsys.readouterr().out
