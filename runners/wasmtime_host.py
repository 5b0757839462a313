"""wasmtime's warm host: ``python -m wasmbench.runners.wasmtime_host MODULE PRECOMPILED ARGV0``.

It loads the module once — one ``Engine``, the ``Module`` compiled (or, for ``embedded-aot``,
deserialised) once, one ``Linker`` with WASI defined — then serves invocations (``host_loop``):
each gets a fresh ``Store`` with a fresh ``WasiConfig`` (its arguments, the request body as stdin,
stdout and stderr to the request's files, the working directory preopened as ``.``) and a fresh
instance of the module in it, so no linear memory, global or open file outlives an invocation.
Like the zygote, it imports only ``wasmtime`` (through ``wasmtime_embedded``, whose pieces it
shares) and the standard library.
"""

from __future__ import annotations

import sys
from pathlib import Path

import wasmtime

from wasmbench.runners.wasmtime_embedded import instantiate, load, phase, reporting, wasi_config, wasi_linker
from wasmbench.serving.host_loop import Answer, Request, serve


class WarmModule:
    """One engine, the module compiled (or deserialised) once, and a linker with WASI."""

    def __init__(self, module: Path, precompiled: bool, argv0: str) -> None:
        self.linker, self.argv0 = wasi_linker(wasmtime.Engine()), argv0
        self.compiled = load(self.linker.engine, module, precompiled)

    def invoke(self, request: Request) -> Answer:
        with reporting() as report:
            with phase(report, "instantiate"):
                wasi = wasi_config(
                    [self.argv0, *request["args"]],
                    Path(request["workdir"]),
                    Path(request["stdin"]) if request["stdin"] else None,
                    Path(request["stdout"]),
                    Path(request["stderr"]),
                )
                start_function = instantiate(self.linker, self.compiled, wasi)
            with phase(report, "execute"):
                start_function()
        return report


if __name__ == "__main__":
    module, precompiled, argv0 = sys.argv[1:]
    # host_loop calls it once: the module loaded, then one invocation per request.
    serve(lambda: WarmModule(Path(module), precompiled == "precompiled", argv0).invoke)
