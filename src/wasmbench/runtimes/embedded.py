"""What runners of runtimes embedded through a Python package share: a zygote of their own.

Their runs execute in a child forked from the runner's zygote (``process.Zygote``), a small
process that has imported only the runtime's package, so a run's peak RSS is the runtime's and not
the harness's. Each runner instance has its own zygote: a suite's runners share nothing.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import ClassVar

from wasmbench.execution.process import Zygote
from wasmbench.runtimes.command_runner import PACKAGE
from wasmbench.runtimes.runner import Availability, Invocation, Runner, RunOutcome


@dataclass(frozen=True)
class PythonPackage:
    """The Python package (``module``, from the distribution ``distribution``) that embeds a runtime."""

    module: str
    distribution: str

    def origin(self) -> str:
        return PACKAGE

    def availability(self) -> Availability:
        try:
            importlib.import_module(self.module)
        except ImportError as error:
            return Availability.no(
                f"the {self.distribution} package does not load: {error}", f"pip install {self.distribution}"
            )
        return Availability.yes()


class EmbeddedRunner(Runner):
    """A runner whose in-process modes run ``zygote_module``'s functions in forks of its zygote."""

    zygote_module: ClassVar[str]

    @functools.cached_property
    def zygote(self) -> Zygote:
        """Started on its first call."""
        return Zygote(self.zygote_module)

    def run_in_zygote(self, function: str, args: tuple, invocation: Invocation, runtime: str) -> RunOutcome:
        """One measured run of ``function(*args)``; what the runtime prints goes to the run's stderr."""
        result, report = self.zygote.call(
            function, args, output=invocation.stderr, timeout_s=invocation.timeout_s
        )
        return RunOutcome.from_fork(result, report, runtime)  # type: ignore[arg-type]

    def close(self) -> None:
        self.zygote.close()
