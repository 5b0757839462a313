"""WasmEdge's warm host, through its C API (``libwasmedge``, with ctypes):
``python -m wasmbench.runners.wasmedge_host LIBRARY MODULE RUN_MODE ARGV0``.

It keeps one VM context with WASI registered, in which it loads and validates the module once (a
``.wasm`` in the interpreter or the JIT, or ``wasmedge compile``'s universal wasm file in AOT mode,
whose native code is loaded with it) and instantiates it once before it says it is ready: in JIT
mode that first instantiation compiles the module, and the machine code is kept for every later
one. Each invocation (``host_loop``) then re-initialises the VM's WASI module instance
(``WasmEdge_ModuleInstanceInitWASIWithFds``, WasmEdge 0.14 and later: its arguments, the working
directory preopened as ``.``, no environment, and the request's files — opened here, closed after
the call: WASI does not take them over — as its stdin, stdout and stderr: a fresh WASI context)
and instantiates the module again (a fresh instance replacing the last: fresh linear memory and
globals) before it calls ``_start``. WasmEdge's log is off: a trap is reported from the call's
result. It imports only ctypes and the standard library.
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

# enum WasmEdge_RunMode and WasmEdge_HostRegistration (enum.inc), and the result code of a
# ``proc_exit`` (``WasmEdge_Result_Terminate``).
RUN_MODES = {"interpreter": 0, "jit": 1, "aot": 2}
WASI_REGISTRATION = 0
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
# The C API's functions this host calls: name without ``WasmEdge_``, result, arguments.
SIGNATURES: dict[str, tuple[Any, ...]] = {
    "LogOff": (None,),
    "ConfigureCreate": (Context,),
    "ConfigureSetRunMode": (None, Context, ctypes.c_int),
    "ConfigureAddHostRegistration": (None, Context, ctypes.c_int),
    "VMCreate": (Context, Context, Context),
    "VMLoadWasmFromFile": (Result, Context, ctypes.c_char_p),
    "VMValidate": (Result, Context),
    "VMInstantiate": (Result, Context),
    "VMExecute": (Result, Context, String, Context, ctypes.c_uint32, Context, ctypes.c_uint32),
    "VMGetImportModuleContext": (Context, Context, ctypes.c_int),
    "ModuleInstanceInitWASIWithFds": (
        *(None, Context, Strings, ctypes.c_uint32, Strings, ctypes.c_uint32, Strings, ctypes.c_uint32),
        *(ctypes.c_int32, ctypes.c_int32, ctypes.c_int32),
    ),
    "ModuleInstanceWASIGetExitCode": (ctypes.c_uint32, Context),
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
    """One VM holding the loaded, validated (and, in JIT mode, compiled) module."""

    def __init__(self, library: Path, module: Path, run_mode: str, argv0: str) -> None:
        self.api, self.argv0 = Library(library), argv0
        self.api.LogOff()
        configuration = self.api.ConfigureCreate()
        self.api.ConfigureSetRunMode(configuration, RUN_MODES[run_mode])
        self.api.ConfigureAddHostRegistration(configuration, WASI_REGISTRATION)
        self.vm = self.api.VMCreate(configuration, None)
        self.api.check(self.api.VMLoadWasmFromFile(self.vm, str(module).encode()), f"loading {module.name}")
        self.api.check(self.api.VMValidate(self.vm), f"validating {module.name}")
        self.api.check(self.api.VMInstantiate(self.vm), f"instantiating {module.name}")
        self.wasi = self.api.VMGetImportModuleContext(self.vm, WASI_REGISTRATION)

    def invoke(self, request: Request) -> Answer:
        start = time.perf_counter_ns()
        with _standard_streams(request) as fds:
            argv, preopens = _strings([self.argv0, *request["args"]]), _strings([f".:{request['workdir']}"])
            self.api.ModuleInstanceInitWASIWithFds(self.wasi, argv, len(argv), None, 0, preopens, 1, *fds)
            self.api.check(self.api.VMInstantiate(self.vm), "instantiating the module")
            executed = time.perf_counter_ns()
            result = self.api.VMExecute(self.vm, String.of("_start"), None, 0, None, 0)
            phases = {"instantiate": executed - start, "execute": time.perf_counter_ns() - executed}
        if not self.api.ResultOK(result):
            return {
                "exit_code": None,
                "trap": f"execution failed: {self.api.message(result)}",
                "phases_ns": phases,
            }
        exited = self.api.ResultGetCode(result) == TERMINATED
        return {
            "exit_code": self.api.ModuleInstanceWASIGetExitCode(self.wasi) if exited else 0,
            "phases_ns": phases,
        }


@contextlib.contextmanager
def _standard_streams(request: Request) -> Iterator[tuple[int, int, int]]:
    """The request's stdin (or /dev/null), stdout and stderr opened, closed after the block."""
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


if __name__ == "__main__":
    library, module, run_mode, argv0 = sys.argv[1:]
    # host_loop calls it once: the module loaded, then one invocation per request.
    serve(lambda: WarmModule(Path(library), Path(module), run_mode, argv0).invoke)
