"""Wasmer's warm host: ``python -m wasmbench.runners.wasmer_host MODULE ARGV0 CACHE``.

It starts one ``wasmer-sdk`` client (its compiled-module cache in ``CACHE``, a folder of this host
alone) and compiles the module once — or, with ``sdk-cached``'s cache in ``CACHE``, loads its
machine code — by starting it with a zero timeout; the client keeps the compiled module in memory
for every later package of the same module. Then each invocation (``host_loop``) gets a fresh
sandbox (a file system of its own, the working directory's files at its root, where the module
starts) and a fresh WASIX process of the module in it — a fresh instance: fresh linear memory and
globals — with the request body as its stdin; its stdout and stderr, which the SDK captures, are
written to the request's files. The package (module and input files) is made again only when the
working directory's files change. It imports only ``wasmer_sdk`` (through ``wasmer_embedded``,
whose pieces it shares) and the standard library.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from wasmer_sdk import Output, Package, Wasmer, WasmerError

from wasmbench.runners.wasmer_embedded import (
    OUTPUT_LIMIT,
    delivered,
    failure,
    input_files,
    package_definition,
    read_input,
)
from wasmbench.serving.host_loop import Answer, Request, serve

FileSignature = tuple[tuple[str, int, int], ...]


class WarmModule:
    """One compiled module, served in a fresh sandbox per invocation."""

    def __init__(self, module: Path, argv0: str, cache: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.module, self.argv0 = module.read_bytes(), argv0
        self.wasmer = Wasmer(cache_root=cache, output_bytes=OUTPUT_LIMIT)
        self.packaged: tuple[FileSignature, Package] | None = None
        self._run(self._package(None), [], None, {}, timeout_s=0)  # compiles it, or loads its code

    def invoke(self, request: Request) -> Answer:
        phases: dict[str, int] = {}
        try:
            start = time.perf_counter_ns()
            package = self._package(Path(request["workdir"]))
            stdin = read_input(Path(request["stdin"]) if request["stdin"] else None)
            phases["load"] = time.perf_counter_ns() - start
            output = self._run(package, request["args"], stdin, phases)
        except WasmerError as error:
            return {"exit_code": None, "phases_ns": phases, **failure(error)}
        Path(request["stderr"]).write_bytes(output.stderr.bytes)
        return {"phases_ns": phases, **delivered(output, Path(request["stdout"]))}

    def _package(self, workdir: Path | None) -> Package:
        """The module packaged with ``workdir``'s files: the last package while they are unchanged."""
        signature = _signature(workdir)
        if self.packaged is None or self.packaged[0] != signature:
            definition = package_definition(self.module, self.argv0, input_files(workdir) if workdir else {})
            self.packaged = (signature, self._wait(self.wasmer.packages.create(definition)))
        return self.packaged[1]

    def _run(
        self,
        package: Package,
        args: Sequence[str],
        stdin: bytes | None,
        phases: dict[str, int],
        timeout_s: float | None = None,
    ) -> Output:
        """The module run once in a fresh sandbox; ``phases`` gets ``sandbox`` and ``run``."""
        start = time.perf_counter_ns()
        sandbox = self._wait(self.wasmer.sandboxes.create(packages=[package]))
        created = time.perf_counter_ns()
        try:
            command = sandbox.command(package, list(args))
            output = self._wait(command.run(stdin=stdin, check=False, timeout=timeout_s))
        finally:
            phases.update(sandbox=created - start, run=time.perf_counter_ns() - created)
            self._wait(sandbox.close())
        return output

    def _wait(self, work: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(work)


def _signature(workdir: Path | None) -> FileSignature:
    """What identifies the working directory's files without reading them: paths, sizes, mtimes."""
    files = [path for path in sorted(workdir.rglob("*")) if path.is_file()] if workdir else []
    return tuple((str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in files)


if __name__ == "__main__":
    module, argv0, cache = sys.argv[1:]
    # host_loop calls it once: the module loaded, then one invocation per request.
    serve(lambda: WarmModule(Path(module), argv0, Path(cache)).invoke)
