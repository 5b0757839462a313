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
from collections.abc import Callable
from pathlib import Path

import wasmtime

from wasmbench.runners.wasmtime_embedded import instantiate, load, phase, reporting, wasi_config, wasi_linker
from wasmbench.serving.host_loop import Answer, Request, serve


def loader(module: Path, precompiled: bool, argv0: str) -> Callable[[], Callable[[Request], Answer]]:
    """What ``host_loop.serve`` calls once: the module loaded, and the function of one invocation."""

    def load_module() -> Callable[[Request], Answer]:
        linker = wasi_linker(wasmtime.Engine())
        compiled = load(linker.engine, module, precompiled)

        def invoke(request: Request) -> Answer:
            with reporting() as report:
                with phase(report, "instantiate"):
                    stdin = Path(request["stdin"]) if request["stdin"] else None
                    wasi = wasi_config(
                        [argv0, *request["args"]],
                        Path(request["workdir"]),
                        stdin,
                        Path(request["stdout"]),
                        Path(request["stderr"]),
                    )
                    start_function = instantiate(linker, compiled, wasi)
                with phase(report, "execute"):
                    start_function()
            return report

        return invoke

    return load_module


if __name__ == "__main__":
    module, precompiled, argv0 = sys.argv[1:]
    serve(loader(Path(module), precompiled == "precompiled", argv0))
