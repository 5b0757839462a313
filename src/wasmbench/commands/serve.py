"""``wasmbench serve``: one workload served as a function over HTTP by a runtime mode, warm or cold.

It builds and prepares the workload as ``run`` does (``measuring.job.prepare_pair``), starts a pool
of instances (``--instances``, a warm host each, or slots of the cold path) and serves
``POST /invoke``, ``GET /healthz`` and ``GET /metrics`` (``serving.front``) until SIGINT or SIGTERM,
which close every instance; it then exits 0. When it answers requests it prints one line on stdout,
``serving MODE WORKLOAD on http://HOST:PORT/invoke (PATH, N instances, size S)``, and from then on
only logs on stderr: a program that starts it (``wasmbench invoke``) reads the URL from that line.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import time
from dataclasses import dataclass, field

from wasmbench.build.checks import ClassificationCheck
from wasmbench.build.inputs import Inputs, InputStore
from wasmbench.build.manifest import SIZES, Workload, load_manifest, select_workloads
from wasmbench.build.toolchain import Toolchain
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.job import prepare_pair
from wasmbench.measuring.options import DEFAULTS
from wasmbench.runtimes.registry import representative, runner_classes
from wasmbench.runtimes.runner import Mode, Runner, availability_of
from wasmbench.serving.front import LOOPBACK, serve
from wasmbench.serving.function import ECHO, NO_INPUTS, Echo, Function, Program
from wasmbench.serving.paths import COLD, WARM, ServingPath, can_serve_warm, served_module
from wasmbench.serving.pool import Instance, Pool, close_each
from wasmbench.store.schema import Pair

DEFAULT_PORT = 8080
DEFAULT_MAX_BODY = 16 * 1024 * 1024
FRONT_ONLY = "front-only"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "serve", help="serve a workload as a function over HTTP (POST /invoke), from warm hosts or cold"
    )
    parser.add_argument(
        "-r",
        "--runtime",
        metavar="MODE",
        help="runtime:mode to serve with (a runtime alone: its first mode with a warm host here, "
        "else its default mode)",
    )
    parser.add_argument("-w", "--workload", help="the workload to serve")
    parser.add_argument("--size", default="default", choices=SIZES, help="its size (%(default)s)")
    parser.add_argument(
        "--path",
        choices=(WARM, COLD),
        help="warm: hosts holding the loaded module, a fresh instance per invocation (the default "
        "where the mode has a warm host); cold: a fresh process or container per invocation",
    )
    parser.add_argument(
        "--instances",
        type=_at_least(1),
        default=len(os.sched_getaffinity(0)),
        help="instances in the pool; requests beyond wait for a free one (default: the cores, %(default)s)",
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="TCP port (%(default)s; 0: any free port)"
    )
    parser.add_argument(
        "--bind",
        default=LOOPBACK,
        metavar="ADDR",
        help="address to listen on (%(default)s: this machine only; any other is reachable by "
        "whoever can reach it, with no authentication)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULTS.timeout_s,
        help="seconds before an invocation is killed and answered 504 (%(default)s)",
    )
    parser.add_argument(
        "--max-body",
        type=_at_least(1),
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="largest request body; a larger one is answered 413 (%(default)s)",
    )
    parser.add_argument(
        "--front-only",
        action="store_true",
        help="no runtime: each invocation echoes its body, to measure what the front alone costs "
        "(-r and -w are then not needed)",
    )
    parser.set_defaults(handler=handle)


@dataclass
class Service:
    """What a server serves: ``name`` (runtime:mode) and ``workload`` as the ready line says them,
    the path, the instances and the function, and the runners that made the instances (closed at
    the end)."""

    name: str
    workload: str
    path: str
    instances: list[Instance]
    function: Function
    runners: list[Runner] = field(default_factory=list)


def handle(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise WasmbenchError("--timeout must be more than 0 seconds")
    if not args.front_only and not (args.runtime and args.workload):
        raise WasmbenchError("serve needs a mode and a workload: -r MODE -w WORKLOAD (or --front-only)")
    if not is_loopback(args.bind):
        log(f"warning: listening on {args.bind}: whoever reaches it can run the function (no authentication)")
    service = _front_only(args.instances) if args.front_only else _start(args)

    def ready(url: str) -> None:
        print(
            f"serving {service.name} {service.workload} on {url} "
            f"({service.path}, {len(service.instances)} instances, size {args.size})",
            flush=True,
        )

    pool = Pool(service.instances, service.function, args.timeout)
    try:
        serve(pool, args.bind, args.port, args.max_body, ready)
    finally:
        pool.close()
        close_each(service.runners)
    log("stopped: every instance closed")
    return 0


def _front_only(count: int) -> Service:
    """The front without a runtime: instances that echo the body."""
    instances = [Instance(Echo(), NO_INPUTS, FRONT_ONLY) for _ in range(count)]
    return Service(FRONT_ONLY, "echo", FRONT_ONLY, instances, ECHO)


def _start(args: argparse.Namespace) -> Service:
    """Resolve the mode and the workload, build and prepare it as ``run`` does, start the instances
    (a runner each: a runner serves one run at a time, with its zygote or its containers)."""
    runner, mode = _mode(args.runtime)
    name = f"{runner.declaration.name}:{mode.name}"
    runners, instances = [runner], []
    try:
        workload = select_workloads(load_manifest(), [args.workload])[0]
        spec = workload.size(args.size)
        path = _path(runner, mode, workload, args.path)
        pair = Pair(workload.name, args.size, runner.declaration.name, mode.name)
        prepared, inputs = prepare_pair(pair, runner, workload, Toolchain(DEFAULTS.opt_level), InputStore())
        started = time.perf_counter()
        runners += [type(runner)() for _ in range(args.instances - 1)]
        for own in runners:
            module = served_module(own, mode, prepared, path)
            instances.append(Instance(module, inputs, f"serve-{workload.name}"))
    except BaseException:
        close_each(instances)
        close_each(runners)
        raise
    log(f"{len(instances)} {path} instances of {name} ready in {time.perf_counter() - started:.2f} s")
    return Service(name, workload.name, path, instances, _function(spec.args, inputs), runners)


def _path(runner: Runner, mode: Mode, workload: Workload, asked: ServingPath | None) -> ServingPath:
    """The path the mode serves the workload on: the one ``asked``, else warm where it can."""
    name = f"{runner.declaration.name}:{mode.name}"
    if mode.variant is not None and mode.variant not in workload.variants:
        raise WasmbenchError(
            f"{name} runs only workloads with a {mode.variant} variant; {workload.name} has none"
        )
    warm = can_serve_warm(runner, mode)
    if asked == WARM and not warm:
        raise WasmbenchError(f"{name} has no warm host; serve it with --path cold, or choose a mode with one")
    if asked is None and not warm:
        log(f"{name} has no warm host: serving it cold (a fresh process or container per invocation)")
    return asked or (WARM if warm else COLD)


def _mode(spec: str) -> tuple[Runner, Mode]:
    """A runner of the runtime ``-r`` names, and the mode, available here; an unknown or unavailable
    one is an error."""
    classes = runner_classes()
    runtime, _, mode_name = spec.partition(":")
    if runtime not in classes:
        raise WasmbenchError(f"unknown runtime {runtime!r} (known: {', '.join(classes)})")
    runner = classes[runtime]()
    mode = runner.declaration.mode(mode_name or _default_mode(runner))
    availability = availability_of(runner, mode.name)
    if not availability.available:
        install = f" (install: {availability.hint})" if availability.hint else ""
        raise WasmbenchError(f"{runtime}:{mode.name} cannot run here: {availability.reason}{install}")
    return runner, mode


def _default_mode(runner: Runner) -> str:
    """A runtime named alone: its first mode available here with a warm host (in the selected wasm
    build), else its default mode."""
    for mode in runner.declaration.modes:
        if can_serve_warm(runner, mode) and availability_of(runner, mode.name).available:
            return runner.declaration.selected(mode.name)
    return (representative(runner) or runner.declaration.regular_modes())[0]


def _function(args: tuple[str, ...], inputs: Inputs) -> Function:
    """How requests reach the workload: an image classifier (judged by a classification check)
    takes a photo; every other workload takes the body as its standard input."""
    if isinstance(inputs.check, ClassificationCheck):
        from wasmbench.serving.classifier import ImageClassifier

        return ImageClassifier(args, inputs)
    return Program(args, inputs.check)


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a host name: whatever it resolves to may be reachable from elsewhere
        return False


def log(line: str) -> None:
    print(f"wasmbench serve: {line}", file=sys.stderr, flush=True)


def _at_least(lowest: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}")
        return value

    return parse


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be 0 to 65535")
    return port
