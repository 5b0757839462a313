"""What every warm host's tests do: an invocation with its own body and files, a pool of served
modules driven from threads, and a host's resident memory."""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from wasmbench.runtimes.runner import Invocation, RunOutcome, ServedModule


def request(folder: Path, body: bytes | None = None, *args: str, timeout_s: float = 30.0) -> Invocation:
    """An invocation in ``folder`` (made if needed): its workdir, files and, given one, its body."""
    workdir = folder / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    stdin = None
    if body is not None:
        stdin = folder / "body"
        stdin.write_bytes(body)
    return Invocation(args, workdir, folder / "stdout", folder / "stderr", timeout_s, stdin=stdin)


@contextlib.contextmanager
def memory_folder(fallback: Path) -> Iterator[Path]:
    """A folder in memory (``/dev/shm``) where there is one, else ``fallback``: for thousands of
    invocations, whose output files ext4 would flush to disk each time they are truncated and
    rewritten (its ``auto_da_alloc``: milliseconds per invocation)."""
    if not Path("/dev/shm").is_dir():
        yield fallback
        return
    with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="wasmbench-test-") as folder:
        yield Path(folder)


def invoke_from_threads(
    modules: list[ServedModule], tmp_path: Path, bodies: list[bytes]
) -> list[tuple[RunOutcome, bytes]]:
    """Every body invoked from a thread of its own on whichever module is free (a pool, as a
    server holds one: each module serves one invocation at a time); each outcome with its stdout."""
    free: queue.Queue[ServedModule] = queue.Queue()
    for module in modules:
        free.put(module)

    def invoke(index: int) -> tuple[RunOutcome, bytes]:
        invocation = request(tmp_path / f"request-{index}", bodies[index])
        module = free.get()
        try:
            outcome = module.invoke(invocation)
        finally:
            free.put(module)
        return outcome, invocation.stdout.read_bytes()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(invoke, range(len(bodies))))


def rss_kib(pid: int) -> int:
    """The process's resident memory now, from ``/proc/PID/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def growth_over_a_thousand(host: ServedModule, fallback: Path, warm_up: int) -> tuple[int, int]:
    """After ``warm_up`` invocations of ``host`` (one process), how much its resident memory (KiB)
    and its count of open descriptors grow over 1,000 more."""
    (pid,) = host.pids()

    def invoke(times: int) -> None:
        with memory_folder(fallback) as folder:
            invocation = request(folder)
            for _ in range(times):
                assert host.invoke(invocation).exit_code == 0

    invoke(warm_up)
    rss, descriptors = rss_kib(pid), len(os.listdir(f"/proc/{pid}/fd"))
    invoke(1000)
    return rss_kib(pid) - rss, len(os.listdir(f"/proc/{pid}/fd")) - descriptors
