"""wasm3, the interpreter, through its ``wasm3`` command-line program found on PATH.

wasm3 has one mode and no flag for a preopened directory: its WASI (uvwasi, the default build)
preopens the current directory — the run's working directory, where every run starts — as ``.``
and ``/``, and passes the host environment on, which the harness empties for every run.
"""

from __future__ import annotations

from wasmbench.command_runner import CommandRunner, Program
from wasmbench.runner import Invocation, Prepared
from wasmbench.toolchain import WASM_TARGET


class Wasm3Runner(CommandRunner):
    name = "wasm3"
    title = "wasm3"
    target = WASM_TARGET
    modes = ("interpreter",)
    program = Program("wasm3", "build wasm3 from github.com/wasm3/wasm3 (cmake)")

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [str(self.program.require()), str(prepared.path), *invocation.args]
