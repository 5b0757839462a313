"""CPU time and peak memory of a control group, on cgroup v1 and v2.

Runtimes that run a program in a container (Docker) cannot give wasmbench the program's rusage:
the program is not our child. Its cgroup is the kernel's account of it: every process in the
container is charged to it, and charges are also made to every ancestor cgroup at the moment they
happen. That last property is what makes a measurement correct even though a container's own
cgroup is removed when it exits: a cgroup the caller owns *above* the container keeps the CPU time
and the peak of everything below it after the child is gone.

- v1 (one hierarchy per controller): CPU from ``cpuacct.usage`` (exact nanoseconds), split into
  user and system by the tick-sampled ``cpuacct.stat`` ratio — the same adjustment the kernel makes
  for ``getrusage`` (``cputime_adjust``); peak from ``memory.max_usage_in_bytes`` (hierarchical).
- v2 (one unified hierarchy): ``cpu.stat`` ``user_usec``/``system_usec`` (already adjusted) and
  ``memory.peak`` (Linux 5.19+; resetting it, for a long-lived cgroup, needs 6.12+).

Memory is what the cgroup was charged — anonymous memory, page cache first read by it and kernel
memory — which is what a container memory limit is enforced against, not a process's RSS.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from wasmbench.execution.usage import Usage

MOUNTINFO = Path("/proc/self/mountinfo")
USER_HZ_FIELDS = ("user", "system")


@dataclass(frozen=True)
class CgroupUsage:
    """CPU seconds since the cgroup was created (or since ``start``) and its peak memory."""

    user_s: float
    sys_s: float
    peak_kib: int

    def since(self, start: CgroupUsage) -> CgroupUsage:
        """The CPU spent after ``start`` was read; the peak is the later reading's."""
        return CgroupUsage(self.user_s - start.user_s, self.sys_s - start.sys_s, self.peak_kib)

    def as_usage(self, wall_ns: int) -> Usage:
        """A run's usage: its wall time, and the CPU and peak memory this cgroup was charged."""
        return Usage(wall_ns, self.user_s, self.sys_s, self.peak_kib)


@dataclass(frozen=True)
class Hierarchies:
    """Where the controllers wasmbench reads are mounted: v1 ``memory`` and ``cpuacct``, else v2."""

    memory: Path
    cpu: Path
    version: int
    all_mounts: tuple[Path, ...]

    @classmethod
    def of_this_machine(cls, mountinfo: Path = MOUNTINFO) -> Hierarchies:
        v1: dict[str, Path] = {}
        unified: Path | None = None
        mounts = []
        for line in mountinfo.read_text().splitlines():
            before, _, after = line.partition(" - ")
            mount_point = Path(before.split()[4])
            fstype, _, super_options = after.split()[:3]
            if fstype == "cgroup2":
                unified = mount_point
                mounts.append(mount_point)
            elif fstype == "cgroup":
                mounts.append(mount_point)
                v1.update(dict.fromkeys(super_options.split(","), mount_point))
        if "memory" in v1 and "cpuacct" in v1:
            return cls(v1["memory"], v1["cpuacct"], 1, tuple(mounts))
        if unified is not None:
            return cls(unified, unified, 2, tuple(mounts))
        raise OSError("no cgroup hierarchy with the memory and cpu controllers is mounted")


class Cgroup:
    """One cgroup, named by its path from the hierarchy root (e.g. ``/wasmbench/run-1a2b``)."""

    def __init__(self, path: str, hierarchies: Hierarchies) -> None:
        self.path = path.strip("/")
        self.hierarchies = hierarchies
        self._peak_fd: int | None = None

    def _file(self, root: Path, name: str) -> Path:
        return root / self.path / name

    def exists(self) -> bool:
        return (self.hierarchies.memory / self.path).is_dir()

    def usage(self) -> CgroupUsage:
        if self.hierarchies.version == 1:
            return self._usage_v1()
        return self._usage_v2()

    def _usage_v1(self) -> CgroupUsage:
        cpu, memory = self.hierarchies.cpu, self.hierarchies.memory
        total_s = int(self._file(cpu, "cpuacct.usage").read_text()) / 1e9
        ticks = _key_values(self._file(cpu, "cpuacct.stat"))
        user_ticks, system_ticks = (ticks.get(field, 0) for field in USER_HZ_FIELDS)
        # As the kernel does for rusage: exact total, split by the sampled ratio; no samples -> user.
        sys_s = total_s * system_ticks / (user_ticks + system_ticks) if system_ticks else 0.0
        peak = int(self._file(memory, "memory.max_usage_in_bytes").read_text())
        return CgroupUsage(total_s - sys_s, sys_s, peak // 1024)

    def _usage_v2(self) -> CgroupUsage:
        stat = _key_values(self._file(self.hierarchies.cpu, "cpu.stat"))
        if self._peak_fd is not None:
            peak = int(os.pread(self._peak_fd, 64, 0))
        else:
            peak = int(self._file(self.hierarchies.memory, "memory.peak").read_text())
        return CgroupUsage(stat["user_usec"] / 1e6, stat["system_usec"] / 1e6, peak // 1024)

    def processes(self) -> set[int]:
        """The processes in the cgroup now (not in its children), by their pids on this host."""
        return {int(pid) for pid in self._file(self.hierarchies.memory, "cgroup.procs").read_text().split()}

    def reset_peak(self) -> None:
        """Restart the peak at the current usage, for a cgroup that outlives one measurement.

        v2 resets per open file (Linux 6.12+), so the file stays open and later reads use it.
        """
        if self.hierarchies.version == 1:
            self._file(self.hierarchies.memory, "memory.max_usage_in_bytes").write_text("0")
            return
        if self._peak_fd is None:
            self._peak_fd = os.open(self._file(self.hierarchies.memory, "memory.peak"), os.O_RDWR)
        try:
            os.write(self._peak_fd, b"reset\n")
        except OSError as error:
            message = f"memory.peak cannot be reset on this kernel (needs Linux 6.12+): {error}"
            raise OSError(message) from error

    def remove(self) -> None:
        """Remove the cgroup and its (empty) children from every hierarchy, deepest first; one
        still in use or gone is left alone."""
        if self._peak_fd is not None:
            os.close(self._peak_fd)
            self._peak_fd = None
        for mount in self.hierarchies.all_mounts:
            for folder, _, _ in sorted(os.walk(mount / self.path), reverse=True):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)


def _key_values(path: Path) -> dict[str, int]:
    return {key: int(value) for key, value in (line.split() for line in path.read_text().splitlines())}
