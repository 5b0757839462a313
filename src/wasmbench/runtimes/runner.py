"""The runner interface every runtime implements, and how runners are found.

A runner answers four questions — is the runtime here (and if not, why), which version is it,
how is an artefact prepared for a mode (e.g. AOT-compiled: timed separately and cached), and
what did one run cost. Everything else (choosing what to run, validating output, keeping
results) belongs to the harness, so a runtime's quirks stay in its own file.

Runners are discovered through the ``wasmbench.runners`` entry-point group: an outside package
adds a runtime by declaring one entry point, without touching wasmbench.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from wasmbench.build.cache import content_key
from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.execution.supervision import ProcessResult
from wasmbench.execution.usage import Usage

if TYPE_CHECKING:
    from wasmbench.runtimes.emulation import Emulation

ENTRY_POINT_GROUP = "wasmbench.runners"


@dataclass(frozen=True)
class Availability:
    """Whether a runtime can run here; when it cannot, the reason and how to get it.

    A *retired* runtime is one whose project has ended: it is listed so that a reader looking
    for it learns why it is not measured (and what replaced it), and it is never available.
    """

    available: bool
    reason: str = ""
    hint: str = ""
    retired: bool = False

    @classmethod
    def yes(cls) -> Availability:
        return cls(True)

    @classmethod
    def no(cls, reason: str, hint: str = "") -> Availability:
        return cls(False, reason, hint)

    @classmethod
    def retired_upstream(cls, reason: str) -> Availability:
        return cls(False, reason, retired=True)

    @property
    def status(self) -> str:
        """``available``, ``skipped`` or ``retired``: how ``list`` and results name it."""
        return "available" if self.available else "retired" if self.retired else "skipped"


@dataclass(frozen=True)
class Invocation:
    """One measured run: the program's arguments and the files around it.

    ``workdir`` is the only directory the program may see (the preopened directory of a wasm
    module); stdout and stderr go to files outside it. ``layout_padding`` is the length of the
    padding variable the runtime's process gets (``layout.py``), for runners that start one.
    """

    args: tuple[str, ...]
    workdir: Path
    stdout: Path
    stderr: Path
    timeout_s: float
    layout_padding: int | None = None


@dataclass(frozen=True)
class Prepared:
    """An artefact made ready for one mode, and what making it ready cost.

    ``prepare_ns`` is None for modes without a prepare step; for a cached preparation it is the
    time the preparation took when it was made.
    """

    artefact: Artefact
    mode: str
    path: Path
    prepare_ns: int | None = None
    cached: bool = False


@dataclass(frozen=True)
class RunOutcome:
    """What a runner observed during one run, before the harness validates the output.

    ``phases_ns`` splits the wall time where the runtime allows (compile, instantiate, execute).
    ``trap`` is set when the module trapped (e.g. ``wasm trap: unreachable``): the program's
    failure, like a crash. ``error`` is set when the runtime failed in a way that is not the
    program's (it could not start, or the harness's side of the run failed).
    """

    usage: Usage
    exit_code: int | None = 0
    signal: int | None = None
    timed_out: bool = False
    phases_ns: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    trap: str | None = None

    @classmethod
    def from_process(cls, result: ProcessResult, **extra: object) -> RunOutcome:
        return cls(
            usage=result.usage,
            exit_code=result.exit_code,
            signal=result.signal,
            timed_out=result.timed_out,
            **extra,  # type: ignore[arg-type]
        )

    @classmethod
    def from_fork(cls, result: ProcessResult, report: dict | None, runtime: str) -> RunOutcome:
        """A run done in a zygote's fork by a child that answered with a report (``wall_ns``,
        ``exit_code``, ``phases_ns``, ``trap``, ``error``; None when it died first); CPU and peak
        RSS are the child's rusage."""
        report = report or {}
        error = report.get("error")
        if not report and not result.timed_out:
            error = f"the {runtime} child died ({result.ending})"
        return cls(
            # The child's own clock covers the runtime's work; the fork is harness overhead.
            usage=replace(result.usage, wall_ns=report.get("wall_ns", result.usage.wall_ns)),
            exit_code=report.get("exit_code"),
            timed_out=result.timed_out,
            phases_ns=report.get("phases_ns", {}),
            error=error,
            trap=report.get("trap"),
        )

    @classmethod
    def failure(cls, error: str) -> RunOutcome:
        """A run whose runtime failed to start (or whose harness side failed): nothing measured."""
        return cls(Usage.zero(), exit_code=None, error=error)


class Runner(ABC):
    """A way to execute a workload artefact. Subclasses set the class attributes and implement
    ``availability``, ``version`` and ``run``; modes with a compile step also implement
    ``compile`` and list themselves in ``prepared_modes``."""

    name: ClassVar[str]
    title: ClassVar[str]
    target: ClassVar[str]  # "native" or "wasm32-wasi": which build artefact the runner takes
    modes: ClassVar[tuple[str, ...]] = ("default",)
    prepared_modes: ClassVar[frozenset[str]] = frozenset()
    prepared_suffix: ClassVar[str] = ".prepared"
    # The environment variables the runtime hands every module whatever the host's: a limitation
    # of its sandbox, stated here so that tests hold it to exactly these (none for most runtimes).
    module_environment: ClassVar[tuple[str, ...]] = ()
    # Modes that can run another architecture's build under ``--emulate`` (``run`` puts
    # ``command_prefix()`` before the program); the others are skipped there with the reason.
    emulated_modes: ClassVar[frozenset[str]] = frozenset()
    # Whether runs start a process of their own whose environment the harness sets, so that it can
    # carry the layout padding (``layout.py``); in-process and container modes cannot.
    layout_randomized: ClassVar[bool] = False
    # Modes a suite runs only when they are named or ``--all-modes`` is given: interpreters, whose
    # every large workload would spend the whole timeout.
    opt_in_modes: ClassVar[frozenset[str]] = frozenset()
    emulation: Emulation | None = None

    @abstractmethod
    def availability(self) -> Availability:
        """Whether the runtime is installed and works here; cheap enough to call from ``list``."""

    @abstractmethod
    def version(self) -> dict[str, str]:
        """Versions of the runtime's components, e.g. ``{"wasmtime": "50.0.1"}``."""

    def mode_availability(self, mode: str) -> Availability:
        """Whether one mode can run here; a mode that needs more than the runtime overrides this."""
        return self.availability()

    def target_for(self, mode: str) -> str:
        """The build target ``mode`` takes; ``target`` unless a mode runs another artefact.

        Under emulation ``native`` means the emulated architecture's build.
        """
        if self.emulation is not None and self.target == "native":
            return self.emulation.target
        return self.target

    def emulated(self, emulation: Emulation | None) -> Runner:
        """A new runner of this kind for a suite under ``emulation`` (or none); it shares no state
        (clients, containers) with this one."""
        runner = type(self)()
        runner.emulation = emulation
        return runner

    def randomizes_layout(self, mode: str) -> bool:
        """Whether a run of ``mode`` gets the layout padding (``layout_randomized`` by default)."""
        return self.layout_randomized

    def default_modes(self) -> list[str]:
        """The modes a suite runs when the runtime is named without a mode (or not named at all)."""
        return [mode for mode in self.modes if mode not in self.opt_in_modes]

    def suite_availability(self, mode: str) -> Availability:
        """Whether ``mode`` can run in this suite: under emulation only ``emulated_modes`` can."""
        if self.emulation is None:
            return self.mode_availability(mode)
        if mode not in self.emulated_modes:
            return Availability.no(self.emulation.skip_reason)
        emulator = self.emulation.availability()
        return self.mode_availability(mode) if emulator.available else emulator

    def command_prefix(self) -> list[str]:
        """What goes before a program's command line: the emulator under emulation, else nothing."""
        return self.emulation.command_prefix() if self.emulation is not None else []

    def setup_emulation(self, emulation: Emulation) -> str:
        """Install what the runtime needs to run under ``emulation`` (``wasmbench setup emulation``);
        returns what was done, "" for nothing."""
        return ""

    def variant_for(self, mode: str) -> str | None:
        """The workload variant ``mode`` runs instead of the workload's own program (see
        ``manifest.Variant``), e.g. one that calls a host API only this mode provides; None when the
        mode runs the workloads themselves. Workloads without that variant are skipped for the mode."""
        return None

    def mode_flags(self, mode: str) -> list[str]:
        """The options that make ``mode`` what it is; recorded with every result."""
        return []

    @abstractmethod
    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        """Run the prepared artefact once, as described by ``invocation``, and measure it."""

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        """Write the prepared form of ``source`` for ``mode`` (only for ``prepared_modes``)."""
        raise NotImplementedError(f"{self.name} has no prepare step for mode {mode!r}")

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        """Prepare ``artefact`` for ``mode``, timed and cached by artefact, runtime version and flags."""
        self.check_mode(mode)
        if mode not in self.prepared_modes:
            return Prepared(artefact, mode, artefact.path)
        emulated = ["emulated", self.emulation.arch] if self.emulation else []
        key = content_key(
            artefact.sha256, self.name, mode, json.dumps(self.version()), *self.mode_flags(mode), *emulated
        )
        path = cache_root / "prepared" / key[:20] / f"{artefact.workload}{self.prepared_suffix}"
        timing = path.with_name(path.name + ".json")
        if path.exists() and timing.exists():
            return Prepared(artefact, mode, path, json.loads(timing.read_text())["prepare_ns"], cached=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        os.close(fd)
        start = time.perf_counter_ns()
        try:
            self.compile(artefact.path, mode, Path(partial))
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        prepare_ns = time.perf_counter_ns() - start
        os.replace(partial, path)
        timing.write_text(json.dumps({"prepare_ns": prepare_ns}))
        return Prepared(artefact, mode, path, prepare_ns)

    def close(self) -> None:
        """Release what the runner keeps between runs (e.g. long-lived containers); called at the
        end of a suite, also an interrupted one. Nothing by default."""
        return

    def origin(self, mode: str) -> str:
        """Where the runtime behind ``mode`` comes from, for ``list``: ``setup runtimes``, ``PATH``,
        ``Python package``, or a folder; "" when there is nothing to find (e.g. native)."""
        return ""

    def clean(self) -> list[str]:
        """Remove what the runner keeps outside the build cache (e.g. images); returns what went."""
        return []

    def check_mode(self, mode: str) -> None:
        if mode not in self.modes:
            raise WasmbenchError(
                f"runtime {self.name!r} has no mode {mode!r} (modes: {', '.join(self.modes)})"
            )


@functools.cache
def runner_classes() -> dict[str, type[Runner]]:
    """Every installed runner class, by name, from the ``wasmbench.runners`` entry points."""
    classes: dict[str, type[Runner]] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda entry: entry.name):
        runner_class = entry.load()
        classes[runner_class.name] = runner_class
    return classes


def discover_runners() -> dict[str, Runner]:
    """A new runner of every installed kind, by name: each suite has its own."""
    return {name: runner_class() for name, runner_class in runner_classes().items()}


def parse_runner_spec(
    spec: str, runners: dict[str, Runner], all_modes: bool = False
) -> tuple[Runner, list[str]]:
    """``wasmtime`` -> its default modes (every mode with ``all_modes``); ``wasmtime:jit`` -> one
    mode. Unknown names are errors."""
    name, _, mode = spec.partition(":")
    if name not in runners:
        raise WasmbenchError(f"unknown runtime {name!r} (known: {', '.join(runners)})")
    runner = runners[name]
    if mode:
        runner.check_mode(mode)
        return runner, [mode]
    return runner, list(runner.modes) if all_modes else runner.default_modes()
