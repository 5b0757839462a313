"""The instances a server invokes: a fixed pool of served modules, one invocation at a time each.

A ``ServedModule`` serves one invocation at a time, so a server that takes concurrent requests
holds several — its instances, each a warm host of its own (or a slot of the cold path). A request
takes a free instance or waits in line for one; its invocation runs on one of the pool's threads
(as many as instances: no thread is created per request), so the event loop goes on accepting
requests meanwhile. Each instance has its own scratch folder: a working directory with the
workload's inputs staged (as a run's, ``measuring.job.staged_folder``; a function may add the
request's files) and the files of its standard streams, made afresh by every invocation — in
memory (``/dev/shm``) where the machine has it: on a disk's file system (ext4) making and removing
three files costs about half a millisecond, as much as a warm invocation of a small function.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wasmbench.build.inputs import Inputs
from wasmbench.execution.scratch import scratch_folder
from wasmbench.measuring.job import run_validated, staged_folder
from wasmbench.runtimes.runner import Invocation, ServedModule
from wasmbench.serving.function import Call, Function
from wasmbench.store.schema import Measurement, Status

# A memory file system for the standard streams' files, where there is one.
MEMORY = Path("/dev/shm")


@dataclass(frozen=True)
class Answer:
    """An invocation's validated measurement and, when it passed its check, the module's output."""

    measurement: Measurement
    output: bytes = b""


class Closable(Protocol):
    def close(self) -> None: ...


class Instance:
    """One served module and its own scratch folder."""

    def __init__(self, module: ServedModule, inputs: Inputs, purpose: str) -> None:
        self.module = module
        self._scratch, self.workdir, _ = staged_folder(purpose, inputs)
        self._streams = scratch_folder(f"{purpose}-streams", MEMORY if MEMORY.is_dir() else None)
        streams = Path(self._streams.name)
        self._stdin, self._stdout, self._stderr = streams / "stdin", streams / "stdout", streams / "stderr"

    def invoke(self, call: Call, timeout_s: float) -> Answer:
        """One invocation of ``call``, validated as a run is (``run_validated``)."""
        if call.stdin:
            self._stdin.unlink(missing_ok=True)  # a new file: rewriting one is slower still (ext4)
            self._stdin.write_bytes(call.stdin)
        invocation = Invocation(
            args=call.args,
            workdir=self.workdir,
            stdout=self._stdout,
            stderr=self._stderr,
            timeout_s=timeout_s,
            stdin=self._stdin if call.stdin else None,
        )
        measurement = run_validated(self.module.invoke, invocation, call.check)
        if measurement.status is not Status.OK:
            return Answer(measurement)
        return Answer(measurement, self._stdout.read_bytes())

    def close(self) -> None:
        try:
            self.module.close()
        finally:
            self._scratch.cleanup()
            self._streams.cleanup()


class Pool:
    """Instances serving ``function``, a request at a time each; ``invoke`` waits for a free one."""

    def __init__(self, instances: list[Instance], function: Function, timeout_s: float) -> None:
        self.instances, self.function, self.timeout_s = instances, function, timeout_s
        self.busy = 0
        self._free: asyncio.Queue[Instance] = asyncio.Queue()
        for instance in instances:
            self._free.put_nowait(instance)
        self._threads = ThreadPoolExecutor(len(instances), thread_name_prefix="wasmbench-instance")

    async def invoke(self, body: bytes) -> Answer:
        """``body`` served by the next free instance. Raises ``BadRequest`` for a body the function
        cannot take. The instance goes back to the pool when its invocation has ended, even when
        the request was abandoned meanwhile: never two invocations at once on one instance."""
        loop = asyncio.get_running_loop()
        instance = await self._free.get()
        self.busy += 1

        def release(_: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop has ended: no request waits any more
                loop.call_soon_threadsafe(self._release, instance)

        invocation = self._threads.submit(self._serve, instance, body)
        invocation.add_done_callback(release)
        return await asyncio.wrap_future(invocation)

    def pids(self) -> Iterator[int]:
        """The processes holding the instances (warm hosts; none for the cold path)."""
        return (pid for instance in self.instances for pid in instance.module.pids())

    @property
    def restarts(self) -> int:
        """How many times a host was started again (after a timeout or its death): counted by the
        hosts that keep such a count (``channel.HostProcess.restarts``)."""
        return sum(getattr(instance.module, "restarts", 0) for instance in self.instances)

    def close(self) -> None:
        """Wait for the invocations under way (each ends by its timeout at the latest), then close
        every instance: nothing the pool started outlives this. Closing again does nothing."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        close_each(self.instances)

    def _serve(self, instance: Instance, body: bytes) -> Answer:
        return instance.invoke(self.function.call(body, instance.workdir), self.timeout_s)

    def _release(self, instance: Instance) -> None:
        self.busy -= 1
        self._free.put_nowait(instance)


def close_each(closables: Iterable[Closable]) -> None:
    """Close every one (instances, runners), also when closing one of them fails."""
    with contextlib.ExitStack() as stack:
        for closable in closables:
            stack.callback(closable.close)
