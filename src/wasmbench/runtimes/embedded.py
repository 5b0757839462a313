"""What runners of runtimes embedded through a Python package share: a zygote of their own.

Their runs execute in a child forked from the runner's zygote (``process.Zygote``), a small
process that has imported only the runtime's package, so a run's peak RSS is the runtime's and not
the harness's. Each runner instance has its own zygote: a suite's runners share nothing. A runner
at a version the user chose (``-r wasmtime:embedded@38.0.0``) gets that release of the package,
installed side by side into the cache (``provision.packages``), and its zygote imports it from
there and from nowhere else: never the harness's own copy.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import ClassVar

from wasmbench.execution.process import Zygote
from wasmbench.provision.packages import PackageRelease
from wasmbench.runtimes.command_runner import PACKAGE
from wasmbench.runtimes.runner import Availability, Invocation, Runner, RunOutcome


@dataclass(frozen=True)
class PythonPackage:
    """The Python package (``module``, from the distribution ``distribution``) that embeds a
    runtime: the harness's own, or ``release`` installed side by side."""

    module: str
    distribution: str
    release: PackageRelease | None = None

    def at(self, version: str) -> PythonPackage:
        """The same package at ``version``, installed side by side on first use."""
        return replace(self, release=PackageRelease(self.distribution, version))

    def origin(self) -> str:
        return PACKAGE if self.release is None else self.release.origin()

    def availability(self) -> Availability:
        """Whether the package loads (the harness's own) or is installed (a release, installed
        now if it is not yet)."""
        if self.release is not None:
            failure = self.release.provide()
            return Availability.no(failure, self.release.hint) if failure else Availability.yes()
        try:
            importlib.import_module(self.module)
        except ImportError as error:
            return Availability.no(
                f"the {self.distribution} package does not load: {error}", f"pip install {self.distribution}"
            )
        return Availability.yes()

    def present(self) -> bool:
        """Whether it is here now (installing nothing)."""
        if self.release is not None:
            return self.release.installed()
        return self.availability().available

    def version(self) -> str:
        if self.release is not None:
            return self.release.installed_version()
        return metadata.version(self.distribution)

    def isolation(self) -> dict[str, Path]:
        """What a zygote must import from where and nowhere else: the release's folder for its
        module (none for the harness's own package)."""
        return {} if self.release is None else {self.module: self.release.folder}


class EmbeddedRunner(Runner):
    """A runner whose in-process modes run ``zygote_module``'s functions in forks of its zygote."""

    zygote_module: ClassVar[str]

    @functools.cached_property
    def zygote(self) -> Zygote:
        """Started on its first call."""
        return Zygote(self.zygote_module, self.zygote_packages())

    def zygote_packages(self) -> dict[str, Path]:
        """The packages the zygote imports from a folder of their own (``PythonPackage.isolation``):
        none by default, the harness's own ones."""
        return {}

    def run_in_zygote(self, function: str, args: tuple, invocation: Invocation, runtime: str) -> RunOutcome:
        """One measured run of ``function(*args)``; what the runtime prints goes to the run's stderr."""
        result, report = self.zygote.call(
            function, args, output=invocation.stderr, timeout_s=invocation.timeout_s
        )
        return RunOutcome.from_fork(result, report, runtime)  # type: ignore[arg-type]

    def close(self) -> None:
        self.zygote.close()
