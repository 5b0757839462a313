"""The zygote: a small Python process from which embedded runtimes' runs are forked.

A forked child's peak RSS includes the memory image it was forked from, so runs forked from the
harness (pandas, numpy, matplotlib, …) would all report the harness's footprint as the runtime's.
``python -m wasmbench.execution.zygote MODULE`` imports only ``MODULE`` (the functions an embedded
runtime's runs call, e.g. ``wasmbench.runners.wasmtime_embedded``, which imports the runtime's
package) and this module's few standard-library ones, then serves requests: each names one of
``MODULE``'s functions and its arguments; a fork calls it while the zygote enforces the timeout
and reaps the fork with ``wait4`` (``supervision.run_in_fork``), then sends back the fork's rusage
and answer. ``process.Zygote`` is the harness's side. Arguments ``PACKAGE=FOLDER`` after ``MODULE``
make the zygote import ``PACKAGE`` from ``FOLDER`` and from nowhere else (a runtime's release
installed side by side: never the harness's own copy, not even when the folder lacks it).

Requests come on stdin and answers go to stdout, length-prefixed pickles; both pipes move to
other descriptors at once, so that nothing the runtime prints can garble them. A child's stdout
and stderr go to the file its request names; the zygote's own stderr is the harness's log of it.
On SIGINT (the harness's Ctrl-C, or ``Zygote.close``) the zygote kills the child it supervises
and exits; at the end of its requests (the harness closed the pipe, or died) it exits too.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

from wasmbench.execution.supervision import run_in_fork

HEADER = struct.Struct("!Q")
INTERRUPTED = 130


def send(fd: int, message: object) -> None:
    """Write ``message`` pickled, after its length."""
    data = pickle.dumps(message)
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd: int) -> object:
    """The next message on ``fd``; EOFError when the other end has closed it."""
    (size,) = HEADER.unpack(_read_exactly(fd, HEADER.size))
    return pickle.loads(_read_exactly(fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            raise EOFError("the pipe was closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def serve(module: ModuleType, requests: int, answers: int) -> None:
    """Answer every request ``(function, args, output, timeout_s)`` with ``(ProcessResult, bytes)``:
    what the fork that ran ``module.function(*args)`` cost and its pickled answer (empty if it died)."""
    while True:
        try:
            name, args, output, timeout_s = receive(requests)  # type: ignore[misc]
        except EOFError:
            return
        work = functools.partial(_call, getattr(module, name), args, output)
        send(answers, run_in_fork(work, timeout_s))


def _call(function: Callable[..., object], args: tuple, output: str) -> bytes:
    """In the child: stdout and stderr to ``output``, then the work; returns its answer pickled."""
    log = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    return pickle.dumps(function(*args))


class OnlyFrom(importlib.abc.MetaPathFinder):
    """Finds the top-level package ``name`` in ``folder`` and nowhere else."""

    def __init__(self, name: str, folder: str) -> None:
        self.name, self.folder = name, folder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: object = None
    ) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, [self.folder])
        if spec is None:
            raise ModuleNotFoundError(f"no {fullname} in {self.folder}", name=fullname)
        return spec


def isolate(packages: Sequence[str]) -> None:
    """For each ``PACKAGE=FOLDER``: ``PACKAGE`` only from ``FOLDER``, which also comes first on the
    path (for what the package itself imports from beside it)."""
    for package in packages:
        name, _, folder = package.partition("=")
        sys.path.insert(0, folder)
        sys.meta_path.insert(0, OnlyFrom(name, folder))


def main(module: str, *packages: str) -> int:
    isolate(packages)
    requests, answers = os.dup(0), os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    # A harness started in the background may have inherited SIGINT ignored; the zygote must
    # still stop (killing its child) when the harness asks.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        serve(importlib.import_module(module), requests, answers)
    except KeyboardInterrupt:
        return INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
