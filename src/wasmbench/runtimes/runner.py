"""The runner protocol: how wasmbench talks to a runtime, in one declaration and five operations.

A runtime is a ``Declaration`` — its name, its ``Mode``s (the build each takes, whether it is
opt-in, whether it runs under ``--emulate``, whether its runs take layout padding, its flags, the
workload variant it runs, where its program comes from), the modes of the default selection and
how ``setup runtimes`` installs it — and a ``Runner`` class with five operations:

- ``availability(mode)``: can the mode run here, and if not, why and how to get it;
- ``version()``: the versions of the runtime's components, recorded with every result;
- ``prepare(artefact, mode, cache_root)``: the artefact made ready for the mode (e.g. AOT-compiled;
  ``preparation.prepared`` times and caches a compile step for every runner);
- ``run(prepared, invocation)``: one measured run;
- ``close()``: release what the runner keeps between runs (called at the end of every suite).

Everything else (choosing what to run, validating output, keeping results, emulation, which is a
wrapper: ``emulation.EmulatedRunner``; the SIMD build's twin of every wasm mode, which the harness
runs through its mode's operations: ``availability_of``) belongs to the harness, so a runtime's
quirks stay in its own file. A runner MAY also implement an optional capability, checked with
``isinstance``: ``WarmHost`` (keep a compiled module loaded and serve invocations from it); and
``versioned``, a runner of the same runtime at another version (``-r wasmtime:embedded@38.0.0``),
which a runtime that can install its releases side by side overrides.

Runners are found through the ``wasmbench.runners`` entry-point group (``registry``): an outside
package adds a runtime by declaring one entry point, without touching wasmbench.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from wasmbench.build.toolchain import WASM_SIMD_TARGET, WASM_TARGET, Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.execution.supervision import ProcessResult
from wasmbench.execution.usage import Usage
from wasmbench.runtimes.versions import split_version

if TYPE_CHECKING:
    from wasmbench.provision.runtimes import SetupHook
    from wasmbench.runtimes.emulation import Emulation

# The build targets a mode can take: this machine's portable build (under --emulate: the emulated
# architecture's), the same source built for this very CPU, and WebAssembly, without and with SIMD.
NATIVE, HOST = "native", "host"
WASM, WASM_SIMD = WASM_TARGET, WASM_SIMD_TARGET
# Every mode that takes the wasm build has a twin that takes the SIMD build: the mode's name with
# this suffix (``wasmtime:aot+simd``). The harness runs a twin through its mode's operations, so a
# runner never sees it; a runtime that cannot run SIMD says why in ``Mode.no_simd``.
SIMD_SUFFIX = "+simd"
# The wasm build the selection takes (no -r, -r RUNTIME) where a mode has both: the one with the
# portable native build's vector width (docs/methodology.md). The other one runs when named.
SELECTED_WASM = WASM_SIMD


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
    ``launcher`` is what starts a program built for another architecture (the emulator, set by
    ``EmulatedRunner``); a runner whose runs start the artefact itself puts it first. ``stdin`` is
    the file the program reads as its standard input (a served invocation's request body); None
    means an empty input (/dev/null), as for every benchmark run.
    """

    args: tuple[str, ...]
    workdir: Path
    stdout: Path
    stderr: Path
    timeout_s: float
    layout_padding: int | None = None
    launcher: tuple[str, ...] = ()
    stdin: Path | None = None


@dataclass(frozen=True)
class Prepared:
    """An artefact made ready for one mode, and what making it ready cost.

    ``prepare_ns`` is None for modes without a prepare step; for a cached preparation it is the
    time the preparation took when it was made. ``flags`` are the options that make the mode what
    it is, as this runtime takes them here (its version may decide): the run uses them and every
    result records them.
    """

    artefact: Artefact
    mode: str
    path: Path
    prepare_ns: int | None = None
    cached: bool = False
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunOutcome:
    """What a runner observed during one run, before the harness validates the output.

    ``phases_ns`` splits the wall time where the runtime allows (compile, instantiate, execute).
    ``trap`` is set when the module trapped (e.g. ``wasm trap: unreachable``): the program's
    failure, like a crash. ``error`` is set when the runtime failed in a way that is not the
    program's (it could not start, or the harness's side of the run failed). ``stray_processes``
    counts what the program left running when it exited (killed by the runner).
    """

    usage: Usage
    exit_code: int | None = 0
    signal: int | None = None
    timed_out: bool = False
    phases_ns: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    trap: str | None = None
    stray_processes: int = 0

    @classmethod
    def from_process(cls, result: ProcessResult, **extra: object) -> RunOutcome:
        return cls(
            usage=result.usage,
            exit_code=result.exit_code,
            signal=result.signal,
            timed_out=result.timed_out,
            stray_processes=result.stray_processes,
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


class Source(Protocol):
    """Where a mode's program comes from (``command_runner.Program``, ``embedded.PythonPackage``,
    ``Origin``)."""

    def origin(self) -> str:
        """Where it is found here, as ``list`` shows it: ``setup runtimes``, ``PATH``, ``Python
        package``, a folder; "" when it is not found."""
        ...


@dataclass(frozen=True)
class Origin:
    """A source that is always the same place, e.g. ``Docker engine``."""

    text: str

    def origin(self) -> str:
        return self.text


@dataclass(frozen=True)
class Mode:
    """One way a runtime runs a workload.

    ``target``: the build it takes (``NATIVE``, ``HOST`` or ``WASM``). ``opt_in``: run only when
    named or with ``--all-modes`` (interpreters, whose large workloads would spend the whole
    timeout). ``emulable``: can run another architecture's build under ``--emulate``.
    ``layout_padding``: its runs start a process whose environment the harness sets, so they can
    carry the layout padding (``layout.py``); in-process and container modes cannot. ``flags``:
    the options that make it what it is (a runtime whose options depend on its version resolves
    them in ``prepare``). ``variant``: the workload variant it runs instead of the workload's own
    program (``manifest.Variant``; workloads without it are skipped for the mode). ``source``:
    where its program comes from. ``warm``: its runner (a ``WarmHost``) can keep the mode's module
    loaded and serve invocations from it; every mode can be served cold (a run per invocation).
    ``no_simd``: why the runtime cannot run the SIMD build in this mode ("": it can), the reason
    its SIMD twin is skipped with. ``twin_of``: set on a SIMD twin (``Declaration`` makes them),
    the mode whose operations run it.
    """

    name: str
    target: str = WASM
    opt_in: bool = False
    emulable: bool = False
    layout_padding: bool = True
    flags: tuple[str, ...] = ()
    variant: str | None = None
    source: Source | None = None
    warm: bool = False
    no_simd: str = ""
    twin_of: str = ""

    @property
    def declared(self) -> str:
        """The name the runner knows this mode by: a twin's mode's, else its own."""
        return self.twin_of or self.name

    def simd_twin(self) -> Mode:
        """The same mode taking the SIMD build."""
        return replace(self, name=self.name + SIMD_SUFFIX, target=WASM_SIMD, twin_of=self.name)


@dataclass(frozen=True)
class ForeignBuild:
    """A runtime whose own program must be the emulated architecture's build under ``--emulate``
    (its compiler emits code for the architecture it runs on): how ``setup emulation`` installs
    that build (returns what was done), and the runner that uses it (``EmulatedRunner`` wraps it)."""

    setup: Callable[[Emulation], str]
    runner: Callable[[Emulation], Runner]


@dataclass(frozen=True)
class Declaration:
    """Everything the harness needs to know about a runtime without running it.

    ``representative``: the default selection, a mode per entry — an entry of several modes means
    the first of them available here (e.g. Wasmer's fastest). ``setup``: how ``setup runtimes``
    installs it (``provision.runtimes.SetupHook``; None: it has nothing to install).
    ``module_environment``: the variables the runtime hands every module whatever the host's — a
    limitation of its sandbox, declared so that tests hold it to exactly these (none for most
    runtimes). ``foreign``: see ``ForeignBuild``.

    ``modes`` are the declared ones, each mode that takes the wasm build followed by its SIMD twin
    (added here, so every runtime, an outside one too, has them). The selection (``choices``,
    ``regular_modes``) takes, of a mode and its twin, the one in ``SELECTED_WASM``'s build where
    the runtime can run it.
    """

    name: str
    title: str
    modes: tuple[Mode, ...]
    representative: tuple[str | tuple[str, ...], ...] = ()
    setup: SetupHook | None = None
    module_environment: tuple[str, ...] = ()
    foreign: ForeignBuild | None = None

    def __post_init__(self) -> None:
        declared = [mode for mode in self.modes if not mode.twin_of]  # a copy's twins are made anew
        with_twins = [(mode, mode.simd_twin()) if mode.target == WASM else (mode,) for mode in declared]
        object.__setattr__(self, "modes", tuple(chain.from_iterable(with_twins)))

    @property
    def mode_names(self) -> tuple[str, ...]:
        return tuple(mode.name for mode in self.modes)

    @property
    def declared_mode_names(self) -> tuple[str, ...]:
        """The modes the runtime declared, the names its runner's operations take (no SIMD twin)."""
        return tuple(mode.name for mode in self.modes if not mode.twin_of)

    def mode(self, name: str) -> Mode:
        """The mode called ``name`` (a label ``MODE@VERSION`` names MODE at a version the user chose:
        ``versions``); an unknown one is an error that lists the known ones."""
        name = split_version(name)[0]
        for mode in self.modes:
            if mode.name == name:
                return mode
        raise WasmbenchError(
            f"runtime {self.name!r} has no mode {name!r} (modes: {', '.join(self.mode_names)})"
        )

    def selected(self, name: str) -> str:
        """Of mode ``name`` and its SIMD twin, the one in the selected wasm build that this runtime
        can run (``name`` itself for every other mode)."""
        mode = self.mode(name)
        if SELECTED_WASM == WASM or mode.target != WASM or mode.no_simd:
            return name
        return mode.simd_twin().name

    def choices(self) -> list[tuple[str, ...]]:
        """The default selection's entries, each as the modes to choose from in order: its modes
        in the selected wasm build, then (for results measured before that build) as declared."""
        entries = [(entry,) if isinstance(entry, str) else entry for entry in self.representative]
        return [tuple(dict.fromkeys([*map(self.selected, entry), *entry])) for entry in entries]

    def regular_modes(self) -> list[str]:
        """The modes ``-r NAME`` selects: every mode that is not opt-in, in the selected wasm
        build, or, for a runtime whose every mode is opt-in (wasm3, an interpreter only), all of
        them in both builds: naming it asks for it."""
        regular = [self.selected(mode.name) for mode in self.modes if not (mode.opt_in or mode.twin_of)]
        return regular or list(self.mode_names)


class Runner(ABC):
    """A way to execute a workload artefact: a ``declaration`` and five operations. Only ``run``
    must be written; the others have the defaults of a runtime that is always there, has no
    version of its own, runs the artefact itself and keeps nothing between runs."""

    declaration: Declaration

    def availability(self, mode: str) -> Availability:
        """Whether ``mode`` can run here; cheap enough to call from ``list``."""
        return Availability.yes()

    def version(self) -> dict[str, str]:
        """Versions of the runtime's components, e.g. ``{"wasmtime": "50.0.1"}``."""
        return {}

    def origin(self, mode: str) -> str:
        """Where ``mode``'s program is found here (its ``Mode.source``), as ``list`` shows it and
        every result records it; "" when it is not found."""
        source = self.declaration.mode(mode).source
        return source.origin() if source else ""

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        """``artefact`` made ready for ``mode``: by default the artefact itself. Runners with a
        compile step pass it to ``preparation.prepared``, which times and caches it."""
        return Prepared(artefact, mode, artefact.path, flags=self.declaration.mode(mode).flags)

    @abstractmethod
    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        """Run the prepared artefact once, as described by ``invocation``, and measure it."""

    def close(self) -> None:
        """Release what the runner keeps between runs (e.g. long-lived containers); called at the
        end of a suite, also an interrupted one."""
        return

    def installed_versions(self) -> dict[str, list[str]]:
        """The other versions of this runtime installed side by side in the cache (``versioned``),
        each with the modes it serves, for ``list``; none by default."""
        return {}

    def versioned(self, version: str) -> Runner:
        """A runner of this runtime at ``version`` (``-r RUNTIME[:MODE]@VERSION``), beside this one:
        its ``availability`` installs that version into the cache on first use (a version that
        cannot be had is the reason its modes are skipped). By default a runtime has no versions
        to choose from."""
        raise WasmbenchError(
            f"{self.declaration.name} has no versions to choose from (-r {self.declaration.name}@{version}); "
            "it runs the version installed here"
        )


def availability_of(runner: Runner, name: str) -> Availability:
    """Whether mode ``name`` of ``runner`` can run here, as the harness asks it: a SIMD twin is its
    mode's answer, unless the runtime cannot run SIMD in that mode (then skipped with the reason)."""
    mode = runner.declaration.mode(name)
    if mode.twin_of and mode.no_simd:
        return Availability.no(mode.no_simd)
    return runner.availability(mode.declared)


@runtime_checkable
class Cleanable(Protocol):
    """Optional: a runner that keeps something outside the build cache (e.g. Docker images)."""

    def clean(self) -> list[str]:
        """Remove it (``wasmbench clean``); returns what went."""
        ...


class ServedModule(Protocol):
    """A function held ready to serve invocations, one at a time: a compiled module a ``WarmHost``
    keeps loaded (each invocation a fresh instance of it), or the cold path (``serving.cold``).
    A server that takes concurrent requests keeps several (a pool of instances)."""

    def invoke(self, invocation: Invocation) -> RunOutcome:
        """One invocation; its ``usage.wall_ns`` is the function's own time (no host start-up)."""
        ...

    def pids(self) -> list[int]:
        """The processes holding it (their resident memory is its memory); empty for the cold path,
        where nothing is held between invocations."""
        ...

    def close(self) -> None:
        """Stop what holds it; nothing it started outlives this."""
        ...


@runtime_checkable
class WarmHost(Protocol):
    """Optional: a runner that can keep a prepared module compiled and loaded and serve many
    invocations from it (a function host's warm path), checked with ``isinstance(runner,
    WarmHost)``. Runners without it are measured cold only; no runner has to implement it."""

    def serve(self, prepared: Prepared) -> ServedModule:
        """Load ``prepared`` (of a mode declared ``warm``) once and return it ready: the first
        invocation pays no start-up. Raises ``WasmbenchError`` with the reason when it cannot."""
        ...
