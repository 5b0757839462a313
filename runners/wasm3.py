"""wasm3, the interpreter, through its ``wasm3`` command-line program (``setup runtimes``', else PATH's).

wasm3 has one mode and no flag for a preopened directory: its WASI (uvwasi, the default build)
preopens the current directory — the run's working directory, where every run starts — as ``/``
and ``.``. Its sandbox has one limitation: it hands every module eight fixed environment
variables of its own (none of the host's, and no flag turns them off), declared below.
"""

from __future__ import annotations

import re

from wasmbench.build.toolchain import WASM_TARGET
from wasmbench.runtimes.command_runner import CommandRunner, Program
from wasmbench.runtimes.runner import Invocation, Prepared

OWN_ENVIRONMENT = (
    "TERM=xterm-256color",
    "COLORTERM=truecolor",
    "LANG=en_US.UTF-8",
    "PWD=/",
    "HOME=/",
    "PATH=/",
    "WASM3=1",
)


class Wasm3Runner(CommandRunner):
    name = "wasm3"
    title = "wasm3"
    target = WASM_TARGET
    modes = ("interpreter",)
    # e.g. "Error: [trap] unreachable executed"
    trap = re.compile(r"\[trap\] .+")
    opt_in_modes = frozenset({"interpreter"})
    program = Program(
        "wasm3", "wasmbench setup runtimes wasm3 (x86_64), or build it from github.com/wasm3/wasm3"
    )

    @property
    def module_environment(self) -> tuple[str, ...]:  # type: ignore[override]
        """wasm3's own variables; the last names the architecture its ``--version`` line ends with."""
        architecture = self.program.output("--version").splitlines()[0].partition(" on ")[2]
        return (*OWN_ENVIRONMENT, f"WASM3_ARCH={architecture}")

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [str(self.program.require()), str(prepared.path), *invocation.args]
