"""What a suite measures and how: the options ``run``, ``fleet run`` and the pytest adapter share.

``SuiteOptions`` is the suite's side: stored in the journal's header, so ``--resume`` continues the
very suite that was planned, and checked here before anything is built or measured.
``SUITE_OPTIONS`` is the command line's side, declared once — flag, default, parser, help — and
turned into ``run``'s (and ``fleet run``'s) arguments and the pytest adapter's ``--wb-*`` options
by ``add_suite_options``; ``suite_options`` makes the ``SuiteOptions`` of either's parsed values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wasmbench.build.manifest import SIZES, is_sha256
from wasmbench.build.toolchain import OPT_LEVELS
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.stopping import AUTO, StopRule, runs_argument
from wasmbench.runtimes.emulation import parse_emulation

INTERLEAVED = "interleaved"
CONSECUTIVE = "consecutive"
SCHEDULES = (INTERLEAVED, CONSECUTIVE)


@dataclass
class SuiteOptions:
    workloads: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=lambda: ["default"])
    runtimes: list[str] = field(default_factory=list)
    # Measured rounds per workload (each round runs every mode once); with ``auto`` the most.
    runs: int = 8
    # Unrecorded rounds before them.
    warmup: int = 1
    timeout_s: float = 300.0
    seed: int | None = None
    opt_level: str = "O2"
    # --runs auto (the default): each mode's rounds go on until the stop rule says enough, at most
    # max_runs. 8 rounds reach ±3 % for a cell whose runs vary by up to about 3.6 % (CoV), and keep
    # the default suite within ten minutes on two cores.
    auto: bool = True
    max_runs: int = 8
    max_time_s: float = 120.0
    ci_target: float = 0.03
    # Rounds per workload measured again because a run in them was disturbed (engine.py): a quarter
    # of max_runs, so a loud neighbour, which also slows every run it lands on, leaves the suite's
    # time within +50 % (the reproducibility benchmark's goal).
    max_repeats: int = 2
    # --emulate ARCH: run that architecture's builds here under QEMU (see emulation.py).
    emulate: str | None = None
    # interleaved: randomized rounds (every mode once per round, shuffled); consecutive: each
    # pair's runs back to back (the older order, kept to show what interleaving buys).
    schedule: str = INTERLEAVED
    # A padding environment variable of random length per run (see layout.py).
    layout_randomization: bool = True
    # Also the modes left out of the default selection (interpreters), without naming them.
    all_modes: bool = False
    # --workloads DIR: a suite folder of the user's (its manifest.toml), instead of the built-in one.
    workloads_dir: str | None = None
    # A program of the user's own (-w PATH, see wasmbench.build.adhoc): its arguments (after --),
    # its native build when it is a prebuilt module, how its output is checked, its input files.
    args: list[str] = field(default_factory=list)
    native: str | None = None
    reference: str | None = None
    expect_file: str | None = None
    expect_sha256: str | None = None
    expect_exit: int | None = None
    inputs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Repeating a name never measures a pair twice: -r native -r native is -r native.
        self.workloads = list(dict.fromkeys(self.workloads))
        self.sizes = list(dict.fromkeys(self.sizes))
        self.runtimes = list(dict.fromkeys(self.runtimes))

    @property
    def rounds(self) -> int:
        """Measured rounds per workload: fixed, or the most ``--runs auto`` may take."""
        return self.max_runs if self.auto else self.runs

    @property
    def stop_rule(self) -> StopRule | None:
        return StopRule(self.ci_target, self.max_time_s) if self.auto else None

    def check(self) -> None:
        """Refuse what cannot be measured, with the option's name."""
        if self.rounds < 1:
            raise WasmbenchError(f"{'--max-runs' if self.auto else '--runs'} must be at least 1")
        for name, value in (
            ("--timeout", self.timeout_s),
            ("--ci-target", self.ci_target),
            ("--max-time", self.max_time_s),
        ):
            if not (math.isfinite(value) and value > 0):
                raise WasmbenchError(f"{name} must be a finite positive number, not {value}")
        if self.warmup < 0:
            raise WasmbenchError("--warmup cannot be negative")
        if self.max_repeats < 0:
            raise WasmbenchError("--max-repeats cannot be negative")
        if self.opt_level not in OPT_LEVELS:
            raise WasmbenchError(f"--opt must be one of {', '.join(OPT_LEVELS)}, not {self.opt_level!r}")
        if self.schedule not in SCHEDULES:
            raise WasmbenchError(f"--schedule must be one of {', '.join(SCHEDULES)}")
        parse_emulation(self.emulate)
        if self.expect_sha256 is not None and not is_sha256(self.expect_sha256):
            raise WasmbenchError(f"--expect-sha256 must be 64 hexadecimal digits, not {self.expect_sha256!r}")
        if self.expect_exit is not None and not 0 <= self.expect_exit <= 255:
            raise WasmbenchError(f"--expect-exit must be an exit status 0-255, not {self.expect_exit}")
        unknown = [size for size in self.sizes if size not in SIZES]
        if unknown:
            raise WasmbenchError(f"unknown size {', '.join(unknown)} (known: {', '.join(SIZES)})")

    def describe_runs(self) -> str:
        """How many runs each pair gets, in words for the suite's first line."""
        if not self.auto:
            return f"{self.runs} rounds"
        return (
            f"rounds until every mode's 95% CI is within ±{self.ci_target:.0%} of its mean "
            f"(at most {self.max_runs} rounds or {self.max_time_s:g} s per mode)"
        )


def runs_options(
    runs: int | str, max_runs: int, max_time_s: float, ci_target_percent: float
) -> dict[str, Any]:
    """SuiteOptions fields for ``--runs N`` or ``--runs auto`` (with its limits)."""
    auto = runs == AUTO
    return {
        "runs": max_runs if auto else runs,
        "auto": auto,
        "max_runs": max_runs,
        "max_time_s": max_time_s,
        "ci_target": ci_target_percent / 100,
    }


DEFAULTS = SuiteOptions()


@dataclass(frozen=True)
class Option:
    """One suite option as a command line takes it; ``add_suite_options`` turns it into arguments.

    ``action`` is argparse's: ``store`` (a value), ``append`` (repeatable; none given is ``[]``) or
    ``store_true``/``store_false`` (a switch). The defaults are the ones ``SuiteOptions`` has.
    """

    flags: tuple[str, ...]
    dest: str
    help: str
    default: Any = None
    type: Callable[[str], Any] | None = None
    action: str = "store"
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    # "*": any number of values; an option without flags is then the command's trailing
    # arguments (``-- ARGS``), which the pytest adapter takes as ``--wb-<dest> ARGS``.
    nargs: str | None = None

    @property
    def positional(self) -> bool:
        return not self.flags

    @property
    def long_flag(self) -> str:
        return self.flags[-1] if self.flags else "--"

    @property
    def is_switch(self) -> bool:
        return self.action in ("store_true", "store_false")

    @property
    def parsed_default(self) -> Any:
        """The value parsing gives when the option is left out."""
        return [] if self.action == "append" or self.nargs == "*" else self.default

    @property
    def adapter_name(self) -> str:
        """The name after ``--wb-`` in the pytest adapter: the long flag's, or the dest's."""
        return self.dest if self.positional else self.long_flag[2:]

    def arguments(self, prefix: str = "") -> tuple[tuple[str, ...], dict[str, Any]]:
        """The names and keyword arguments of argparse's ``add_argument`` (pytest's ``addoption``
        takes the same). With a ``prefix`` (the pytest adapter's ``wb``), only the long flag, as
        ``--wb-<flag>`` with the dest ``wb_<dest>``: pytest keeps the short options to itself. The
        trailing arguments are there one per ``--wb-<dest>=VALUE`` (a value may start with ``-``)."""
        names = (f"--{prefix}-{self.adapter_name}",) if prefix else self.flags or (self.dest,)
        arguments: dict[str, Any] = {
            "action": "append" if prefix and self.positional else self.action,
            "default": self.parsed_default,
            "help": self.help,
        }
        if prefix or not self.positional:  # argparse names a positional's dest after it
            arguments["dest"] = self.prefixed_dest(prefix)
        for name in ("type", "choices", "metavar", "nargs"):
            if getattr(self, name) is not None and not (name == "nargs" and prefix):
                arguments[name] = getattr(self, name)
        return names, arguments

    def prefixed_dest(self, prefix: str = "") -> str:
        return f"{prefix}_{self.dest}" if prefix else self.dest


SUITE_OPTIONS = (
    Option(("-r", "--runtime"), "runtime", "runtime[:mode][@version] (repeatable)", action="append"),
    Option(("-w", "--workload"), "workload", "workload (repeatable; default all)", action="append"),
    Option(
        ("--size",),
        "size",
        f"{', '.join(SIZES[:-1])} or {SIZES[-1]} (repeatable; without it: {' and '.join(DEFAULTS.sizes)})",
        action="append",
    ),
    Option(
        ("--runs",),
        "runs",
        "measured rounds per workload, each running every mode once (default %(default)s), "
        "or auto: until every mode's 95%% CI is within --ci-target",
        default=AUTO if DEFAULTS.auto else DEFAULTS.runs,
        type=runs_argument,
    ),
    Option(
        ("--max-runs",),
        "max_runs",
        "with --runs auto: most rounds per workload (%(default)s)",
        default=DEFAULTS.max_runs,
        type=int,
    ),
    Option(
        ("--max-time",),
        "max_time",
        "with --runs auto: most measured seconds of one mode per workload (%(default)s)",
        default=DEFAULTS.max_time_s,
        type=float,
    ),
    Option(
        ("--ci-target",),
        "ci_target",
        "with --runs auto: 95%% CI half-width to reach, in %% of the mean (%(default)s)",
        default=DEFAULTS.ci_target * 100,
        type=float,
        metavar="PCT",
    ),
    Option(
        ("--max-repeats",),
        "max_repeats",
        "most rounds per workload measured again because a run in them was disturbed (%(default)s)",
        default=DEFAULTS.max_repeats,
        type=int,
    ),
    Option(
        ("--warmup",),
        "warmup",
        "unmeasured rounds before them (default %(default)s)",
        default=DEFAULTS.warmup,
        type=int,
    ),
    Option(
        ("--timeout",),
        "timeout",
        "seconds before a run is killed (%(default)s)",
        default=DEFAULTS.timeout_s,
        type=float,
    ),
    Option(("--seed",), "seed", "seed of the shuffled run order (default random, recorded)", type=int),
    Option(
        ("--opt",),
        "opt",
        f"optimisation level for every target: {', '.join(OPT_LEVELS)} (%(default)s)",
        default=DEFAULTS.opt_level,
    ),
    Option(
        ("--schedule",),
        "schedule",
        "interleaved: shuffled rounds of every mode (default); consecutive: each pair's runs back to back",
        default=DEFAULTS.schedule,
        choices=SCHEDULES,
    ),
    Option(
        ("--no-layout-randomization",),
        "layout_randomization",
        "no padding variable of random length in the environment of each run",
        default=DEFAULTS.layout_randomization,
        action="store_false",
    ),
    Option(
        ("--all-modes",),
        "all_modes",
        "also the modes left out by default (interpreters; `wasmbench list` marks them)",
        action="store_true",
        default=DEFAULTS.all_modes,
    ),
    Option(
        ("--emulate",),
        "emulate",
        "run ARCH's builds here under QEMU (aarch64; results labelled emulated): "
        "proves the path, measures nothing about ARM hardware",
        default=DEFAULTS.emulate,
        metavar="ARCH",
    ),
    Option(
        ("--workloads",),
        "workloads_dir",
        "a suite folder of your own: its manifest.toml and programs (default $WASMBENCH_WORKLOADS, "
        "else the built-in workloads; docs/your-programs.md)",
        metavar="DIR",
    ),
    Option(
        ("--native",),
        "native",
        "with -w MODULE.wasm: the module's native build, run as the native baseline and its output "
        "the expected one",
        metavar="BINARY",
    ),
    Option(
        ("--reference",),
        "reference",
        "with -w PATH: the runtime mode whose output every other mode must print "
        "(e.g. wasmtime:jit; default: the native build's)",
        metavar="RUNTIME:MODE",
    ),
    Option(
        ("--expect-file",),
        "expect_file",
        "with -w PATH: the file holding the expected stdout",
        metavar="FILE",
    ),
    Option(
        ("--expect-sha256",),
        "expect_sha256",
        "with -w PATH: the sha256 of the expected stdout",
        metavar="HEX",
    ),
    Option(
        ("--expect-exit",),
        "expect_exit",
        "with -w PATH: the exit status every run must end with (default 0)",
        type=int,
        metavar="N",
    ),
    Option(
        ("--input",),
        "inputs",
        "with -w PATH: a file staged into each run's working directory (repeatable)",
        action="append",
        metavar="FILE",
    ),
    Option(
        (),
        "args",
        "with -w PATH: the program's arguments, after -- (wasmbench run -w ./prog.c -- 1000)",
        nargs="*",
        metavar="ARGS",
    ),
)


def add_suite_options(
    add: Callable[..., Any], prefix: str = "", options: Sequence[Option] = SUITE_OPTIONS
) -> None:
    """Declare every suite option (or ``options``) with ``add``: an argparse parser's
    ``add_argument``, or a pytest option group's ``addoption`` with the adapter's ``prefix``."""
    for option in options:
        names, arguments = option.arguments(prefix)
        add(*names, **arguments)


def selection_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``SuiteOptions`` fields of what to measure (workloads, sizes, runtime modes), a run's
    timeout and the order's seed: what ``run`` and ``invoke`` share."""
    return {
        "workloads": values["workload"],
        "sizes": values["size"] or DEFAULTS.sizes,
        "runtimes": values["runtime"],
        "all_modes": values["all_modes"],
        "timeout_s": values["timeout"],
        "seed": values["seed"],
    }


def suite_options(values: Mapping[str, Any]) -> SuiteOptions:
    """The suite that parsed suite options describe (``values`` by each option's dest)."""
    return SuiteOptions(
        **selection_fields(values),
        **runs_options(values["runs"], values["max_runs"], values["max_time"], values["ci_target"]),
        warmup=values["warmup"],
        max_repeats=values["max_repeats"],
        opt_level=values["opt"],
        emulate=values["emulate"],
        schedule=values["schedule"],
        layout_randomization=values["layout_randomization"],
        workloads_dir=values["workloads_dir"],
        args=values["args"],
        native=values["native"],
        reference=values["reference"],
        expect_file=values["expect_file"],
        expect_sha256=values["expect_sha256"],
        expect_exit=values["expect_exit"],
        inputs=values["inputs"],
    )


def suite_argv(values: Mapping[str, Any]) -> list[str]:
    """The command-line options that give ``values`` again (those left at their default left out):
    how ``fleet run`` forwards its suite options to every host."""
    argv: list[str] = []
    for option in SUITE_OPTIONS:
        value = values[option.dest]
        if value is None or value == option.parsed_default:
            continue
        if option.positional:
            argv += ["--", *value]  # last: SUITE_OPTIONS declares the trailing arguments last
            continue
        if option.is_switch:
            argv.append(option.long_flag)
            continue
        for item in value if isinstance(value, list) else [value]:
            argv += [option.long_flag, str(item)]
    return argv
