"""wasm3, the interpreter, through its ``wasm3`` command-line program (``setup runtimes``', else PATH's).

wasm3 has one mode and no flag for a preopened directory: its WASI (uvwasi, the default build)
preopens the current directory — the run's working directory, where every run starts — as ``/``
and ``.``. Its sandbox has one limitation: it hands every module eight fixed environment
variables of its own (none of the host's, and no flag turns them off), declared below; the last
names the architecture its build is for (this machine's).
"""

from __future__ import annotations

import platform
import re

from wasmbench.provision.runtimes import catalog_release
from wasmbench.runtimes.command_runner import CommandRunner, Program
from wasmbench.runtimes.runner import Declaration, Invocation, Mode, Prepared

PROGRAM = Program("wasm3", "wasmbench setup runtimes wasm3 (x86_64), or build it from github.com/wasm3/wasm3")
OWN_ENVIRONMENT = (
    "TERM=xterm-256color",
    "COLORTERM=truecolor",
    "LANG=en_US.UTF-8",
    "PWD=/",
    "HOME=/",
    "PATH=/",
    "WASM3=1",
    f"WASM3_ARCH={platform.machine()}",
)
# wasm3 implements WebAssembly 1.0 and a few later proposals, not SIMD: it fails on a v128 opcode.
NO_SIMD = "wasm3 implements no SIMD (it stops at the first 128-bit SIMD instruction)"


class Wasm3Runner(CommandRunner):
    declaration = Declaration(
        name="wasm3",
        title="wasm3",
        modes=(Mode("interpreter", opt_in=True, source=PROGRAM, no_simd=NO_SIMD),),
        setup=catalog_release,
        module_environment=OWN_ENVIRONMENT,
    )
    program = PROGRAM
    versions_pinned = True
    # e.g. "Error: [trap] unreachable executed"
    trap = re.compile(r"\[trap\] .+")

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        return [str(self.program.require()), str(prepared.path), *invocation.args]
