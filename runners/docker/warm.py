"""``docker:exec`` served warm: a container started once, a ``docker exec`` of the program per
invocation — the warm container of a container FaaS.

**Its working directory.** Docker cannot change a running container's mounts, and a server may give
each invocation a working directory of its own (a pool gives each instance one; ``invoke``'s runs
each a fresh one), so the container mounts a folder of its own, made when it is served, and each
invocation's working directory is *mirrored* into it: its files hard-linked in before the exec,
what the program created moved back after it, and the folder emptied: a few system calls per
input. The mirror is made in the system's temporary folder (``TMPDIR``), where wasmbench stages
working directories; one on another file system has its inputs copied at every invocation. A
program rewriting an input in place changes the invocation's own file (the same inode); one
deleting or replacing an input, or creating files inside an input folder, does so only in the
mirror.

**Its memory** (``pids``): the container's idle init process and the ``containerd-shim`` that
holds the container — what one more warm container costs in processes (the engine's daemons are
shared by all). Between invocations nothing else runs in it: an exec's processes have ended (or
were killed as strays). The cgroup's own figures (page cache, kernel memory) are each
invocation's peak, in its ``usage``.

**A timeout** removes the container (``docker exec`` has no kill) and starts another before the
next invocation is served, as a warm host process is restarted; so does an engine failure. Both
are counted in ``restarts``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker

from wasmbench.errors import WasmbenchError
from wasmbench.runners.docker.containers import Containers, LongLivedContainer
from wasmbench.runners.docker.engine import cause
from wasmbench.runtimes.runner import Invocation, RunOutcome

SHIM = "containerd-shim"


class WarmContainer:
    """A ``ServedModule``: ``program`` of ``image`` exec'd in a container started once."""

    def __init__(self, containers: Containers, image: str, program: str) -> None:
        self.containers, self.image, self.program = containers, image, program
        self.restarts = 0
        self._mirror = tempfile.TemporaryDirectory(prefix="wasmbench-docker-warm-")
        self._box: LongLivedContainer | None = None
        try:
            self._box = self._start()
        except docker.errors.DockerException as error:
            self._mirror.cleanup()
            raise WasmbenchError(f"the warm container of {image} did not start: {cause(error)}") from error

    def invoke(self, invocation: Invocation) -> RunOutcome:
        try:
            if self._box is None:
                self.restarts += 1
                self._box = self._start()
            with mirrored(invocation.workdir, Path(self._mirror.name)):
                outcome = self.containers.exec(self._box, self.program, invocation)
        except (docker.errors.DockerException, OSError) as error:
            self._discard()
            return RunOutcome.failure(f"the warm container failed: {cause(error)}")
        if outcome.timed_out:  # the container was removed: the next invocation gets another
            self._box = None
            self.restarts += 1
            with contextlib.suppress(docker.errors.DockerException):
                self._box = self._start()
        return outcome

    def pids(self) -> list[int]:
        """The container's init (its idle process) and the shim holding it, by their host pids."""
        if self._box is None:
            return []
        shim = _parent(self._box.idle_pid)
        return [self._box.idle_pid, *([shim] if shim and _name(shim).startswith(SHIM) else [])]

    def close(self) -> None:
        """Remove the container and the mirror folder."""
        self._discard()
        self._mirror.cleanup()

    def _start(self) -> LongLivedContainer:
        return self.containers.start_long_lived(self.image, Path(self._mirror.name))

    def _discard(self) -> None:
        box, self._box = self._box, None
        if box is not None:
            self.containers.remove(box)


@contextlib.contextmanager
def mirrored(workdir: Path, mirror: Path) -> Iterator[None]:
    """``workdir``'s files seen in ``mirror`` for the duration: hard-linked in (copied across file
    systems); what the program created at the top of ``mirror`` moved back to ``workdir`` after it,
    and ``mirror`` emptied."""
    shutil.copytree(workdir, mirror, copy_function=_link_or_copy, dirs_exist_ok=True)
    inputs = set(os.listdir(mirror))
    try:
        yield
    finally:
        for name in set(os.listdir(mirror)) - inputs:
            shutil.move(mirror / name, workdir / name)
        for path in mirror.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
