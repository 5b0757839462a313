"""Wasmer, embedded through the ``wasmer-sdk`` package, and its command-line program's compilers.

``wasmer-sdk`` (PyPI; the old ``wasmer`` wheels stop at Python 3.10) embeds Wasmer with its
Cranelift compiler and runs a WASI command module in a *sandbox* with a virtual file system of
its own: the SDK cannot preopen a host directory nor write the module's output to a file. The
closest honest equivalent is used: the module is packaged together with a copy of every file in
the run's working directory, placed at the root of the sandbox's file system (where the module
starts and looks for relative paths), and the output it captured is written to the run's files
afterwards. The module sees those files, the sandbox's empty system directories, its arguments,
no environment and no network; nothing of the host's (``/etc/passwd`` and ``../x`` do not open).
Whatever the module writes stays in the sandbox.

The SDK compiles a module when its command first runs and keeps the machine code in its cache
(``cache_root``), keyed by the module's hash; it has no call that only compiles. So:

- ``sdk``: every run starts with an empty cache and compiles, as a cold start does.
- ``sdk-cached``: the prepare step compiles through the SDK (the module is started with a zero
  timeout, which compiles and caches it, then stops it at once; ``prepare_ns`` is that time) and
  keeps the cache; every run starts with a copy of it.

Each run reports three phases: ``load`` (starting the SDK's client and packaging the module with
the input files), ``sandbox`` (creating the sandbox) and ``run`` (the SDK's one call that
compiles — or loads the cached code — instantiates and executes the module; the SDK does not
split it). Like wasmtime's embedded
modes, the SDK works in a child forked from a zygote that has imported only ``wasmer_sdk``
(``process.Zygote``; the child's code is ``wasmer_embedded``): no process that forks ever starts
its threads, a hung module is killed at the timeout, the child's rusage is the run's own and its
peak RSS is Wasmer's plus one small interpreter's, and whatever the SDK prints (a trapping
module's backtrace) goes to the run's stderr file, or, in the compile step, into its error.

The command-line modes (``cranelift``, ``llvm``, ``singlepass``) run ``wasmer run`` with that
compiler, the working directory mapped as ``.`` and an empty compiled-module cache per run. No
package registry this project installs from ships the ``wasmer`` program, so these modes are
there when the official installer has put it on PATH (or in ``~/.wasmer/bin``) with that compiler.
"""

from __future__ import annotations

import re
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.provision.runtimes import catalog_release
from wasmbench.runtimes.command_runner import COMPILE_TIMEOUT_S, Program, run_command
from wasmbench.runtimes.embedded import EmbeddedRunner, PythonPackage
from wasmbench.runtimes.preparation import prepared
from wasmbench.runtimes.runner import (
    Availability,
    Declaration,
    Invocation,
    Mode,
    Prepared,
    RunOutcome,
    ServedModule,
)
from wasmbench.serving.channel import HostProcess, host_argv

SDK_MODES = ("sdk", "sdk-cached")
CLI_MODES = ("cranelift", "llvm", "singlepass")
SDK = PythonPackage("wasmer_sdk", "wasmer-sdk")
# How the wasmer CLI words a trap on its stderr, e.g. "RuntimeError: unreachable".
CLI_TRAP = re.compile(r"RuntimeError: .+")
HOST_MODULE = "wasmbench.runners.wasmer_host"
CLI = Program("wasmer", "curl https://get.wasmer.io -sSfL | sh (the official installer)", ("~/.wasmer/bin",))
# The compilers that cannot compile the SIMD build, and why (its maintainers: wasmerio/wasmer#3015).
NO_SIMD = {"singlepass": "Wasmer's singlepass compiler implements no SIMD"}


class WasmerRunner(EmbeddedRunner):
    declaration = Declaration(
        name="wasmer",
        title="Wasmer",
        modes=(
            Mode("sdk", layout_padding=False, flags=("compile_each_run",), source=SDK, warm=True),
            Mode("sdk-cached", layout_padding=False, flags=("precompiled",), source=SDK, warm=True),
            *(
                Mode(compiler, flags=(f"--{compiler}",), source=CLI, no_simd=NO_SIMD.get(compiler, ""))
                for compiler in CLI_MODES
            ),
        ),
        # The fastest mode this host has: LLVM's code, then Cranelift's, the SDK's when no CLI is here.
        representative=(("llvm", "cranelift", "sdk-cached"),),
        setup=catalog_release,
    )
    zygote_module = "wasmbench.runners.wasmer_embedded"

    def availability(self, mode: str) -> Availability:
        if mode in SDK_MODES:
            return SDK.availability()
        cli = CLI.availability()
        if not cli.available:
            return cli
        compilers = _cli_compilers()
        if compilers is not None and mode not in compilers:
            return Availability.no(
                f"this wasmer was built without the {mode} compiler (it has: {', '.join(compilers)})",
                f"a wasmer build with the {mode} feature",
            )
        return Availability.yes()

    def version(self) -> dict[str, str]:
        versions = {}
        if SDK.availability().available:
            versions["wasmer-sdk"] = metadata.version("wasmer-sdk")
        if CLI.locate() is not None:
            versions["wasmer-cli"] = CLI.version()
        return versions

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        compile = self.compile if mode == "sdk-cached" else None
        return prepared(self, artefact, mode, cache_root, compile, ".wasmer-cache.tar")

    def compile(self, source: Path, destination: Path) -> None:
        """Compile through the SDK into a fresh cache and keep that cache as a tar archive."""
        with tempfile.TemporaryDirectory(prefix="wasmbench-wasmer-") as cache:
            what = f"compiling {source.name} with wasmer-sdk"
            why = self.zygote.call_captured(
                "compile_module", (source, Path(cache)), what=what, timeout_s=COMPILE_TIMEOUT_S
            )
            if not any(Path(cache).rglob("*.bin")):
                raise OSError(f"{what} failed: {why or 'no compiled module in its cache'}")
            with tarfile.open(destination, "w") as archive:
                archive.add(cache, arcname=".")

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        with tempfile.TemporaryDirectory(prefix="wasmbench-wasmer-") as cache:
            if prepared.mode in CLI_MODES:
                command = self.cli_command(prepared, invocation)
                return run_command(command, invocation, {"WASMER_CACHE_DIR": cache}, CLI_TRAP)
            module = prepared.artefact.path
            _fill_cache(prepared, Path(cache))
            return self.run_in_zygote(
                "run_module",
                (
                    module,
                    prepared.artefact.workload,
                    invocation.args,
                    invocation.workdir,
                    invocation.stdin,
                    invocation.stdout,
                    Path(cache),
                ),
                invocation,
                "wasmer-sdk",
            )

    def serve(self, prepared: Prepared) -> ServedModule:
        """A warm host (``wasmer_host``) holding ``prepared``, an SDK mode's module."""
        if prepared.mode not in SDK_MODES:
            raise WasmbenchError(f"wasmer:{prepared.mode} has no warm host (the SDK modes have)")
        return WarmSdkHost(prepared)

    def cli_command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        """``wasmer run`` with the mode's compiler and the working directory mapped as ``.``."""
        return [
            str(CLI.require()),
            "run",
            *prepared.flags,
            "--mapdir",
            f".:{invocation.workdir}",
            str(prepared.path),
            "--",
            *invocation.args,
        ]


class WarmSdkHost:
    """A ``wasmer_host`` process and the compiled-module cache folder it alone uses (for
    ``sdk-cached``, filled with the prepared cache), removed when it closes; a ``ServedModule``."""

    def __init__(self, prepared: Prepared) -> None:
        self.cache = tempfile.TemporaryDirectory(prefix="wasmbench-wasmer-host-")
        _fill_cache(prepared, Path(self.cache.name))
        argv = host_argv(HOST_MODULE, prepared.artefact.path, prepared.artefact.workload, self.cache.name)
        try:
            self.host = HostProcess(argv, name="wasmer-sdk")
        except WasmbenchError:
            self.cache.cleanup()
            raise

    @property
    def restarts(self) -> int:
        return self.host.restarts

    def invoke(self, invocation: Invocation) -> RunOutcome:
        return self.host.invoke(invocation)

    def pids(self) -> list[int]:
        return self.host.pids()

    def close(self) -> None:
        self.host.close()
        self.cache.cleanup()


def _fill_cache(prepared: Prepared, cache: Path) -> None:
    """For ``sdk-cached``: the prepared compiled-module cache unpacked into ``cache``."""
    if prepared.mode == "sdk-cached":
        with tarfile.open(prepared.path) as archive:
            archive.extractall(cache, filter="data")


def _cli_compilers() -> list[str] | None:
    """The compilers ``wasmer -vV`` lists on its ``compiler:`` line (None if it has no such line)."""
    for line in CLI.output("-vV").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "compiler":
            return [name.strip() for name in value.split(",") if name.strip()]
    return None
