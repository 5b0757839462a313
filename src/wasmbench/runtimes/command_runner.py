"""What runtimes used through a command-line program share: finding the program, asking its
version, running one measurement as a fresh process, and running its ahead-of-time compiler.

A runner for such a runtime says only what is its own: where its installer puts the program,
how its version line reads, and the command lines of a run and of a compile. Every run starts
with an empty environment and the invocation's working directory as its current directory, and
the runner's command preopens that directory and nothing else, so a module sees only its files,
its arguments and no host variables.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import os
import re
import shutil
import stat
import subprocess
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Protocol

from wasmbench.errors import WasmbenchError
from wasmbench.execution.layout import layout_environment
from wasmbench.execution.process import run_process
from wasmbench.provision.install import PinnedArchive, installed_others
from wasmbench.provision.installed import installed_program
from wasmbench.runtimes.runner import Availability, Invocation, Prepared, Runner, RunOutcome

VERSION_PATTERN = re.compile(r"\d+\.\d+(?:\.\d+)?(?:[-.+][0-9A-Za-z.+-]*)?")
VERSION_TIMEOUT_S = 30.0
COMPILE_TIMEOUT_S = 600.0
TRAP_SEARCH_BYTES = 1 << 16
# Where a program came from, as ``list`` shows it.
SETUP_RUNTIMES = "setup runtimes"
PACKAGE = "Python package"


class SideBySide(Protocol):
    """A runtime's release installed beside the others on first use, for a version the user chose:
    from PyPI (``packages.PackageRelease``) or a pinned archive (``install.PinnedArchive``)."""

    @property
    def folder(self) -> Path: ...

    @property
    def hint(self) -> str:
        """Where to find the versions there are."""
        ...

    def provide(self) -> str:
        """Install it unless it is installed; "" or the one-line reason it cannot be."""
        ...

    def origin(self) -> str: ...


@dataclass(frozen=True)
class Program:
    """A runtime's executable: ``name`` on PATH, or in one of ``extra_dirs`` (where an official
    installer puts it, e.g. ``~/.wasmedge/bin``; ``~`` and ``$VARIABLE`` are read at each look-up,
    a folder naming an unset variable is left out), or at a fixed ``path``, or beside the module of
    the Python ``package`` that ships it, or at ``path`` inside a PyPI ``release`` installed side by
    side (``at``: a version the user chose), which ``availability`` installs on first use."""

    name: str
    install_hint: str
    extra_dirs: tuple[str, ...] = ()
    path: Path | None = None
    package: str = ""
    release: SideBySide | None = None

    def at(self, release: SideBySide, relative: str) -> Program:
        """The program at ``relative`` inside ``release``'s folder."""
        return replace(
            self, install_hint=release.hint, path=release.folder / relative, package="", release=release
        )

    def locate(self) -> Path | None:
        """The program's path, or None when it is nowhere to be found (or cannot be executed)."""
        found = self.find()
        return found[0] if found else None

    def origin(self) -> str:
        """Where ``locate`` finds the program: ``setup runtimes``, ``PATH``, ``Python package`` or
        the installer's folder; "" when it is not found."""
        found = self.find()
        if found and self.release is not None:
            return self.release.origin()
        return found[1] if found else ""

    def find(self) -> tuple[Path, str] | None:
        """The program and where it was found. The build ``setup runtimes`` installed (pinned and
        verified) comes before PATH, so every host of a fleet measures the same build."""
        if self.fixed_path is not None:
            packaged = _executable(self.fixed_path)
            return (packaged, PACKAGE) if packaged else None
        installed = installed_program(self.name)
        if installed is not None and _executable(installed):
            return installed, SETUP_RUNTIMES
        on_path = shutil.which(self.name)
        if on_path:
            return Path(on_path), "PATH"
        for directory in self.folders():
            candidate = _executable(directory / self.name)
            if candidate is not None:
                return candidate, str(directory)
        return None

    @property
    def fixed_path(self) -> Path | None:
        """``path``, or where ``package`` ships the program (None without either)."""
        if not self.package:
            return self.path
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            return Path(f"{self.package} (the package is not installed)")
        return Path(spec.origin).with_name(self.name)

    def folders(self) -> list[Path]:
        """``extra_dirs`` as they read now: ``~`` and variables expanded, any naming an unset one left out."""
        expanded = (os.path.expandvars(os.path.expanduser(folder)) for folder in self.extra_dirs)
        return [Path(folder) for folder in expanded if "$" not in folder]

    def require(self) -> Path:
        located = self.locate()
        if located is None:
            raise WasmbenchError(f"{self.name} is not installed ({self.install_hint})")
        return located

    def availability(self) -> Availability:
        if self.release is not None and (failure := self.release.provide()):
            return Availability.no(failure, self.install_hint)
        if self.locate() is not None:
            return Availability.yes()
        fixed = self.fixed_path
        places = (
            ["PATH", *map(str, self.folders()), f"the {SETUP_RUNTIMES} folder"]
            if fixed is None
            else [str(fixed)]
        )
        return Availability.no(f"{self.name} not found (looked in {', '.join(places)})", self.install_hint)

    def output(self, *args: str) -> str:
        """What the program prints (stdout and stderr) for ``args``, e.g. ``--version``."""
        return _output(self.require(), args)

    def version(self, *args: str, after: str = "") -> str:
        """The first version number in the program's answer to ``args`` (``--version`` by default),
        or the first after the words ``after``, when what comes before them may hold digits."""
        text = self.output(*(args or ("--version",)))
        match = VERSION_PATTERN.search(text.partition(after)[2] if after else text)
        if match is None:
            raise WasmbenchError(f"{self.name} printed no version number: {text.strip()[:200]!r}")
        return match.group(0)


@functools.cache
def _output(path: Path, args: tuple[str, ...]) -> str:
    try:
        answer = subprocess.run(
            [str(path), *args], capture_output=True, text=True, timeout=VERSION_TIMEOUT_S, env={}
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise WasmbenchError(f"{path} {' '.join(args)} failed: {error}") from error
    return answer.stdout + answer.stderr


def _executable(path: Path) -> Path | None:
    """``path`` if it is a file that can be executed; a package that ships a binary without the
    executable bit (wheels do not always keep it) gets it added when its owner may add it."""
    if not path.is_file():
        return None
    if not os.access(path, os.X_OK):
        try:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            return None
    return path


def run_command(
    argv: Sequence[str],
    invocation: Invocation,
    env: Mapping[str, str] | None = None,
    trap: re.Pattern[str] | None = None,
) -> RunOutcome:
    """One measurement of ``argv`` (after the invocation's launcher, if any): a fresh process in the
    run's working directory, measured by the launcher program (wall, CPU, peak RSS of the runtime's
    whole process), with only ``env`` and the invocation's layout padding. When it fails, the first
    match of the runtime's ``trap`` pattern in what it printed is the trap's reason (each runtime
    words a trap its own way, on stdout or stderr)."""
    result = run_process(
        [*invocation.launcher, *argv],
        cwd=invocation.workdir,
        stdout=invocation.stdout,
        stderr=invocation.stderr,
        timeout_s=invocation.timeout_s,
        env={**(env or {}), **layout_environment(invocation.layout_padding)},
        stdin=invocation.stdin,
    )
    outcome = RunOutcome.from_process(result)
    failed = result.signal is not None or result.exit_code not in (0, None)
    if trap is not None and failed and not result.timed_out:
        reason = trap_reason(trap, invocation)
        return replace(outcome, trap=reason) if reason else outcome
    return outcome


def trap_reason(trap: re.Pattern[str], invocation: Invocation) -> str | None:
    """The first line of the run's stderr, then stdout, that ``trap`` matches (its last 64 KiB)."""
    for path in (invocation.stderr, invocation.stdout):
        try:
            with path.open("rb") as stream:
                stream.seek(max(0, path.stat().st_size - TRAP_SEARCH_BYTES))
                text = stream.read().decode(errors="replace")
        except OSError:
            continue
        if match := trap.search(text):
            return match.group(0).strip()
    return None


def compile_command(argv: Sequence[str], what: str, env: Mapping[str, str] | None = None) -> None:
    """Run an ahead-of-time compiler; a failure is an error carrying the compiler's last words."""
    try:
        answer = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S, env=dict(env or {})
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise WasmbenchError(f"compiling {what} failed: {error}") from error
    if answer.returncode != 0:
        last_words = (answer.stderr or answer.stdout).strip().splitlines()[-3:]
        raise WasmbenchError(
            f"compiling {what} failed (status {answer.returncode}): {' / '.join(last_words)}"
        )


class CommandRunner(Runner):
    """A runner whose every mode runs ``program``: subclasses give the command line of a run."""

    program: ClassVar[Program]
    # How the runtime words a wasm trap (on stdout or stderr): the reason a crashed run records.
    trap: ClassVar[re.Pattern[str] | None] = None
    # Whether ``-r NAME@VERSION`` runs the runtime's other releases the catalog pins: for a runtime
    # whose every mode runs ``program`` alone.
    versions_pinned: ClassVar[bool] = False

    def availability(self, mode: str) -> Availability:
        return self.program.availability()

    def version(self) -> dict[str, str]:
        return {self.program.name: self.program.version()}

    def origin(self, mode: str) -> str:
        return self.program.origin()

    def versioned(self, version: str) -> Runner:
        """With ``versions_pinned``: this runner with ``program`` from the runtime's release at
        ``version`` that the runtime catalog pins (its ``versions`` table), installed on first use.
        A version it does not pin is the reason its modes skip."""
        if not self.versions_pinned:
            return super().versioned(version)
        runner = copy.copy(self)
        archive = PinnedArchive(self.declaration.name, version)
        runner.program = self.program.at(archive, archive.relative(self.program.name))
        return runner

    def installed_versions(self) -> dict[str, list[str]]:
        if not self.versions_pinned:
            return {}
        return {
            version: list(self.declaration.mode_names) for version in installed_others(self.declaration.name)
        }

    def environment(self, mode: str) -> dict[str, str]:
        """The variables the runtime itself needs (none by default); the module never sees them."""
        return {}

    @abstractmethod
    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        """The command line of one run of ``prepared`` with the invocation's arguments."""

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        command = self.command(prepared, invocation)
        return run_command(command, invocation, self.environment(prepared.mode), self.trap)
