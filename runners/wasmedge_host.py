"""WasmEdge's warm host, through its C API (``libwasmedge``, with ctypes):
``python -m wasmbench.runners.wasmedge_host LIBRARY MODULE RUN_MODE ARGV0``.

It loads and validates the module once (a ``.wasm`` in the interpreter, or ``wasmedge compile``'s
universal wasm file in AOT mode, whose native code is loaded with it) and keeps one executor.
Each invocation (``host_loop``) gets a fresh WASI module instance — its arguments, the working
directory preopened as ``.``, no environment, and the request's files opened as its stdin, stdout
and stderr (``WasmEdge_ModuleInstanceCreateWASIWithFds``, WasmEdge 0.14 and later) — registered in
a fresh store, and a fresh instance of the module linked to it: fresh linear memory and globals.
Both instances and the store are deleted after the call. WasmEdge's log is off: a trap is
reported from the call's result. It imports only ctypes and the standard library.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from wasmbench.serving.host_loop import Answer, Request, serve

# enum WasmEdge_RunMode (enum.inc) and what ``WasmEdge_ResultGetCode`` says of a ``proc_exit``.
RUN_MODES = {"interpreter": 0, "aot": 2}
TERMINATED = 1
Context = ctypes.c_void_p


class String(ctypes.Structure):
    """``WasmEdge_String``."""

    _fields_ = [("length", ctypes.c_uint32), ("buffer", ctypes.c_char_p)]

    @classmethod
    def of(cls, text: str) -> String:
        data = text.encode()
        return cls(len(data), data)


class Result(ctypes.Structure):
    """``WasmEdge_Result``."""

    _fields_ = [("code", ctypes.c_uint32)]


Strings = ctypes.POINTER(ctypes.c_char_p)
Out = ctypes.POINTER(Context)
# The C API's functions this host calls: name without ``WasmEdge_``, result, arguments.
SIGNATURES: dict[str, tuple[object, ...]] = {
    "LogOff": (None,),
    "ConfigureCreate": (Context,),
    "ConfigureSetRunMode": (None, Context, ctypes.c_int),
    "LoaderCreate": (Context, Context),
    "LoaderParseFromFile": (Result, Context, Out, ctypes.c_char_p),
    "ValidatorCreate": (Context, Context),
    "ValidatorValidate": (Result, Context, Context),
    "ExecutorCreate": (Context, Context, Context),
    "ExecutorRegisterImport": (Result, Context, Context, Context),
    "ExecutorInstantiate": (Result, Context, Out, Context, Context),
    "ExecutorInvoke": (Result, Context, Context, Context, ctypes.c_uint32, Context, ctypes.c_uint32),
    "StoreCreate": (Context,),
    "StoreDelete": (None, Context),
    "ModuleInstanceCreateWASIWithFds": (
        *(Context, Strings, ctypes.c_uint32, Strings, ctypes.c_uint32, Strings, ctypes.c_uint32),
        *(ctypes.c_int32, ctypes.c_int32, ctypes.c_int32),
    ),
    "ModuleInstanceWASIGetExitCode": (ctypes.c_uint32, Context),
    "ModuleInstanceFindFunction": (Context, Context, String),
    "ModuleInstanceDelete": (None, Context),
    "ResultOK": (ctypes.c_bool, Result),
    "ResultGetCode": (ctypes.c_uint32, Result),
    "ResultGetMessage": (ctypes.c_char_p, Result),
}


class WasmEdgeError(Exception):
    """A call of the C API failed; its message is WasmEdge's."""


class Library:
    """``libwasmedge``'s functions this host uses, typed, as attributes without their ``WasmEdge_``."""

    def __init__(self, path: Path) -> None:
        library = ctypes.CDLL(str(path))
        self.functions = {}
        for name, (result, *arguments) in SIGNATURES.items():
            function = getattr(library, f"WasmEdge_{name}")
            function.restype, function.argtypes = result, arguments
            self.functions[name] = function

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return self.functions[name]

    def check(self, result: Result, what: str) -> None:
        if not self.ResultOK(result):
            raise WasmEdgeError(f"{what}: {self.message(result)}")

    def message(self, result: Result) -> str:
        return self.ResultGetMessage(result).decode(errors="replace")


class WarmModule:
    """One loaded and validated module and its executor, instantiated afresh per invocation."""

    def __init__(self, library: Path, module: Path, run_mode: str, argv0: str) -> None:
        self.api, self.argv0 = Library(library), argv0
        self.api.LogOff()
        configuration = self.api.ConfigureCreate()
        self.api.ConfigureSetRunMode(configuration, RUN_MODES[run_mode])
        self.ast = Context()
        loader = self.api.LoaderCreate(configuration)
        self.api.check(
            self.api.LoaderParseFromFile(loader, ctypes.byref(self.ast), str(module).encode()),
            f"loading {module.name}",
        )
        validator = self.api.ValidatorCreate(configuration)
        self.api.check(self.api.ValidatorValidate(validator, self.ast), f"validating {module.name}")
        self.executor = self.api.ExecutorCreate(configuration, None)

    def invoke(self, request: Request) -> Answer:
        phases: dict[str, int] = {}
        start = time.perf_counter_ns()
        with (
            _standard_streams(request) as fds,
            self._instance(request["args"], request["workdir"], fds) as (
                wasi,
                instance,
            ),
        ):
            entry = self.api.ModuleInstanceFindFunction(instance, String.of("_start"))
            if not entry:
                return {"exit_code": None, "error": "wasmedge: the module exports no _start"}
            executed = time.perf_counter_ns()
            phases["instantiate"] = executed - start
            result = self.api.ExecutorInvoke(self.executor, entry, None, 0, None, 0)
            phases["execute"] = time.perf_counter_ns() - executed
            if self.api.ResultOK(result):
                exited = self.api.ResultGetCode(result) == TERMINATED
                exit_code = self.api.ModuleInstanceWASIGetExitCode(wasi) if exited else 0
                return {"exit_code": exit_code, "phases_ns": phases}
            return {
                "exit_code": None,
                "trap": f"execution failed: {self.api.message(result)}",
                "phases_ns": phases,
            }

    @contextlib.contextmanager
    def _instance(self, args: Sequence[str], workdir: str, fds: Sequence[int]) -> Iterator[tuple[int, int]]:
        """A fresh WASI instance on ``fds`` and a fresh instance of the module linked to it, in a
        store of their own; all three deleted after the ``with`` block."""
        api = self.api
        argv = _strings([self.argv0, *args])
        preopens = _strings([f".:{workdir}"])
        wasi = api.ModuleInstanceCreateWASIWithFds(argv, len(argv), None, 0, preopens, 1, *fds)
        if not wasi:
            raise WasmEdgeError("creating the WASI instance failed")
        store = api.StoreCreate()
        instance = Context()
        try:
            api.check(api.ExecutorRegisterImport(self.executor, store, wasi), "registering WASI")
            api.check(
                api.ExecutorInstantiate(self.executor, ctypes.byref(instance), store, self.ast),
                "instantiating the module",
            )
            yield wasi, instance
        finally:
            if instance:
                api.ModuleInstanceDelete(instance)
            api.StoreDelete(store)
            api.ModuleInstanceDelete(wasi)


@contextlib.contextmanager
def _standard_streams(request: Request) -> Iterator[tuple[int, int, int]]:
    """The request's stdin (or /dev/null), stdout and stderr opened, closed after the block
    (WasmEdge's WASI instance does not take them over)."""
    writing = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fds = (
        os.open(request["stdin"] or os.devnull, os.O_RDONLY),
        os.open(request["stdout"], writing, 0o644),
        os.open(request["stderr"], writing, 0o644),
    )
    try:
        yield fds
    finally:
        for fd in fds:
            os.close(fd)


def _strings(items: Sequence[str]) -> ctypes.Array[ctypes.c_char_p]:
    return (ctypes.c_char_p * len(items))(*(item.encode() for item in items))


def loader(
    library: Path, module: Path, run_mode: str, argv0: str
) -> Callable[[], Callable[[Request], Answer]]:
    """What ``host_loop.serve`` calls once: the module loaded, and the function of one invocation."""
    return lambda: WarmModule(library, module, run_mode, argv0).invoke


if __name__ == "__main__":
    library, module, run_mode, argv0 = sys.argv[1:]
    serve(loader(Path(library), Path(module), run_mode, argv0))
