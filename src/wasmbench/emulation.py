"""Running another architecture's programs here under QEMU user-mode emulation (``--emulate aarch64``).

The point is to prove the ARM path end to end on a machine without ARM hardware: the aarch64
builds, their outputs and the ARM runtimes' set-up. Emulated times say nothing about ARM
hardware, so every result of such a suite is labelled ``emulated`` (machine info, host label,
every report heading).

The harness owns what is common — which target to build, the command prefix
(``qemu-aarch64-static -L <aarch64 glibc>``: zig's aarch64-linux-gnu programs are dynamically
linked against glibc, which Debian's ``libc6-arm64-cross`` provides) — and each runner that can
run emulated applies it; the others are skipped with the reason.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.runner import Availability
from wasmbench.toolchain import resolve_target

# Architecture -> (QEMU user-mode program, its glibc's root, Debian packages providing both).
EMULATORS: dict[str, tuple[str, Path, tuple[str, ...]]] = {
    "aarch64": (
        "qemu-aarch64-static",
        Path("/usr/aarch64-linux-gnu"),
        ("qemu-user-static", "libc6-arm64-cross"),
    ),
}


def parse_emulation(arch: str | None) -> Emulation | None:
    """``--emulate ARCH`` -> an Emulation (None without it); unknown architectures are errors."""
    if arch is None:
        return None
    if arch not in EMULATORS:
        raise WasmbenchError(f"cannot emulate {arch!r} (can: {', '.join(EMULATORS)})")
    if arch == platform.machine():
        raise WasmbenchError(f"this machine is {arch} already: run without --emulate")
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
    def emulator(self) -> str:
        return EMULATORS[self.arch][0]

    @property
    def sysroot(self) -> Path:
        return EMULATORS[self.arch][1]

    def command_prefix(self) -> list[str]:
        """What runs a program of ``arch`` here: the emulator with the foreign glibc's root."""
        return [shutil.which(self.emulator) or self.emulator, "-L", str(self.sysroot)]

    def availability(self) -> Availability:
        hint = "wasmbench setup emulation"
        if shutil.which(self.emulator) is None:
            return Availability.no(f"{self.emulator} is missing", hint)
        if not (self.sysroot / "lib").is_dir():
            return Availability.no(f"no {self.arch} glibc under {self.sysroot}", hint)
        return Availability.yes()

    def version(self) -> str:
        result = subprocess.run([self.emulator, "--version"], capture_output=True, text=True)
        return result.stdout.splitlines()[0] if result.returncode == 0 and result.stdout else "unknown"

    def setup(self) -> str:
        """Install the emulator and the foreign glibc (Debian packages, as root)."""
        if self.availability().available:
            return f"{self.emulator} and the {self.arch} glibc are installed"
        packages = EMULATORS[self.arch][2]
        if shutil.which("apt-get") is None:
            raise WasmbenchError(
                f"install {', '.join(packages)} (Debian package names) with your package manager"
            )
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
            if subprocess.run(command).returncode != 0:
                raise WasmbenchError(f"`{' '.join(command)}` failed (as root?)")
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
