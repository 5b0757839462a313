"""Running another architecture's programs here under QEMU user-mode emulation (``--emulate aarch64``).

The point is to prove the ARM path end to end on a machine without ARM hardware: the aarch64
builds, their outputs and the ARM runtimes' set-up. Emulated times say nothing about ARM
hardware, so every result of such a suite is labelled ``emulated`` (machine info, host label,
every report heading).

Emulation wraps a runner (``EmulatedRunner``): its modes declared ``emulable`` take the emulated
architecture's build instead of this machine's, their runs start under the emulator
(``qemu-aarch64-static -L <aarch64 glibc>``: zig's aarch64-linux-gnu programs are dynamically
linked against glibc, which Debian's ``libc6-arm64-cross`` provides), their prepared forms are
cached apart; the other modes are skipped with the reason. A runtime whose own program must be
the foreign build (wasmtime's compiler emits code for the architecture it runs on) declares a
``ForeignBuild``: how ``setup emulation`` installs it and the runner that uses it.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from wasmbench.build.toolchain import Artefact, resolve_target
from wasmbench.errors import WasmbenchError
from wasmbench.provision import apt
from wasmbench.runtimes.runner import NATIVE, Availability, Invocation, Prepared, Runner, RunOutcome


@dataclass(frozen=True)
class Emulator:
    """A QEMU user-mode program, the root of the foreign libraries it loads programs with, the
    libraries that must be there (glibc's loader; libgcc_s, which runtimes built with Rust need),
    and the Debian packages that provide all of it."""

    program: str
    sysroot: Path
    libraries: tuple[str, ...]
    packages: tuple[str, ...]


EMULATORS: dict[str, Emulator] = {
    "aarch64": Emulator(
        "qemu-aarch64-static",
        Path("/usr/aarch64-linux-gnu"),
        ("lib/ld-linux-aarch64.so.1", "lib/libgcc_s.so.1"),
        ("qemu-user-static", "libc6-arm64-cross", "libgcc-s1-arm64-cross"),
    ),
}


def parse_emulation(arch: str | None) -> Emulation | None:
    """``--emulate ARCH`` -> an Emulation (None without it); unknown architectures are errors."""
    if arch is None:
        return None
    if arch == platform.machine():
        raise WasmbenchError(f"this machine is {arch} already: run without --emulate")
    if arch not in EMULATORS:
        raise WasmbenchError(f"cannot emulate {arch!r} (can: {', '.join(EMULATORS)})")
    return Emulation(arch)


@dataclass(frozen=True)
class Emulation:
    arch: str

    @property
    def target(self) -> str:
        """The build target that stands in for ``native``."""
        return resolve_target(self.arch)

    @property
    def skip_reason(self) -> str:
        """Why a runner that cannot run emulated is skipped."""
        return f"not under --emulate {self.arch}"

    @property
    def emulator(self) -> Emulator:
        return EMULATORS[self.arch]

    def command_prefix(self) -> list[str]:
        """What runs a program of ``arch`` here: the emulator with the foreign libraries' root."""
        program = self.emulator.program
        return [shutil.which(program) or program, "-L", str(self.emulator.sysroot)]

    def availability(self) -> Availability:
        hint = "wasmbench setup emulation"
        if shutil.which(self.emulator.program) is None:
            return Availability.no(f"{self.emulator.program} is missing", hint)
        missing = [name for name in self.emulator.libraries if not (self.emulator.sysroot / name).exists()]
        if missing:
            return Availability.no(f"no {self.arch} {', '.join(missing)} under {self.emulator.sysroot}", hint)
        return Availability.yes()

    def version(self) -> str:
        result = subprocess.run([self.emulator.program, "--version"], capture_output=True, text=True)
        return result.stdout.splitlines()[0] if result.returncode == 0 and result.stdout else "unknown"

    def setup(self) -> str:
        """Install the emulator and the foreign libraries (Debian packages, as root)."""
        if self.availability().available:
            return f"{self.emulator.program} and the {self.arch} libraries are installed"
        packages = self.emulator.packages
        if shutil.which("apt-get") is None:
            raise WasmbenchError(
                f"install {', '.join(packages)} (Debian package names) with your package manager"
            )
        failure = apt.install(packages)
        if failure:
            raise WasmbenchError(f"installing {', '.join(packages)} failed (as root?): {failure}")
        return f"installed {', '.join(packages)}"

    def machine_info(self, host: dict[str, object]) -> dict[str, object]:
        """The host's description, as what it is here: an emulated ``arch`` on this CPU."""
        return {
            **host,
            "label": f"{host['label']} (emulated {self.arch})",
            "arch": self.arch,
            "emulated": True,
            "emulator": self.version(),
            "host_arch": host["arch"],
        }


class EmulatedRunner(Runner):
    """``runner`` under ``emulation``: the same protocol, for the modes that can run emulated."""

    def __init__(self, runner: Runner, emulation: Emulation) -> None:
        self.runner = runner
        self.emulation = emulation
        modes = runner.declaration.modes
        self.declaration = replace(
            runner.declaration,
            modes=tuple(
                replace(mode, target=emulation.target) if mode.target == NATIVE else mode for mode in modes
            ),
        )

    @classmethod
    def of(cls, runner_class: type[Runner], emulation: Emulation) -> EmulatedRunner:
        """A new runner of ``runner_class``'s runtime under ``emulation``: the one its
        ``ForeignBuild`` makes, if it declares one."""
        foreign = runner_class.declaration.foreign
        return cls(foreign.runner(emulation) if foreign else runner_class(), emulation)

    def availability(self, mode: str) -> Availability:
        if not self.declaration.mode(mode).emulable:
            return Availability.no(self.emulation.skip_reason)
        emulator = self.emulation.availability()
        return self.runner.availability(mode) if emulator.available else emulator

    def version(self) -> dict[str, str]:
        return self.runner.version()

    def prepare(self, artefact: Artefact, mode: str, cache_root: Path) -> Prepared:
        """The runner's preparation, cached apart: code compiled for the emulated architecture
        must never be taken for this machine's."""
        return self.runner.prepare(artefact, mode, cache_root / "emulated" / self.emulation.arch)

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        launcher = tuple(self.emulation.command_prefix())
        return self.runner.run(prepared, replace(invocation, launcher=launcher))

    def close(self) -> None:
        self.runner.close()

    def versioned(self, version: str) -> Runner:
        """Other versions are this machine's builds, installed side by side: not for ``--emulate``."""
        raise WasmbenchError(
            f"-r {self.declaration.name}@{version}: versions side by side are not measured under --emulate"
        )
