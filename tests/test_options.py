"""The suite options, declared once: ``run`` and the pytest adapter take the same ones, with the
same defaults, and both give the same ``SuiteOptions``."""

from __future__ import annotations

import argparse

import pytest

from wasmbench.benchmarks import conftest as adapter
from wasmbench.cli import make_parser
from wasmbench.measuring.options import SUITE_OPTIONS, SuiteOptions, suite_argv, suite_options

pytest_plugins = ["pytester"]

# A value other than the default for every suite option.
EVERY_OPTION_CHANGED = {
    "runtime": ["native", "wasmtime:aot"],
    "workload": ["nbody"],
    "size": ["test", "large"],
    "runs": 4,
    "max_runs": 12,
    "max_time": 60.0,
    "ci_target": 5.0,
    "max_repeats": 5,
    "warmup": 0,
    "timeout": 30.0,
    "seed": 7,
    "opt": "O3",
    "schedule": "consecutive",
    "layout_randomization": False,
    "all_modes": True,
    "emulate": "aarch64",
    "workloads_dir": "my-suite",
    "native": "prog-native",
    "reference": "wasmtime:jit",
    "expect_file": "expected.txt",
    "expect_sha256": "0" * 64,
    "expect_exit": 3,
    "inputs": ["data.bin", "words.txt"],
    "args": ["1000", "--verbose"],
}
# What the command does around a suite, not what the suite measures: never a suite option.
RUN_ONLY = {"-h", "--help", "-o", "--output", "--resume", "--repair", "--yes", "--strict"}


class ParserCapture:
    """A plugin that keeps the parser the adapter adds its options to."""

    def pytest_addoption(self, parser: pytest.Parser) -> None:
        self.parser = parser


def run_parser() -> argparse.ArgumentParser:
    subcommands = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return subcommands.choices["run"]


def adapter_config(pytester: pytest.Pytester, *args: str) -> pytest.Config:
    pytester.plugins.append(adapter)
    return pytester.parseconfig(*args)


def adapter_argv(argv: list[str]) -> list[str]:
    """``run``'s arguments as the adapter's: ``--wb-<flag>``, and the trailing ones after ``--wb-args``."""
    options, _, trailing = " ".join(argv).partition(" -- ")
    renamed = [f"--{adapter.PREFIX}-{arg[2:]}" if arg.startswith("--") else arg for arg in options.split()]
    return [*renamed, *([f"--{adapter.PREFIX}-args={arg}" for arg in trailing.split()])]


def test_every_declared_option_is_a_run_option_and_nothing_else_is():
    flags = {flag for action in run_parser()._actions for flag in action.option_strings}
    assert flags - RUN_ONLY == {flag for option in SUITE_OPTIONS for flag in option.flags}
    [trailing] = [action.dest for action in run_parser()._actions if not action.option_strings]
    assert [option.dest for option in SUITE_OPTIONS if option.positional] == [trailing]


def test_every_declared_option_is_an_adapter_option_and_nothing_else_is(pytester):
    capture = ParserCapture()
    pytester.plugins.append(capture)
    adapter_config(pytester)
    names = {name for option in capture.parser.getgroup("wasmbench").options for name in option.names()}
    assert names - {"--wb-output"} == {f"--wb-{option.adapter_name}" for option in SUITE_OPTIONS}


def test_left_out_options_are_the_suite_options_defaults_on_both_surfaces(pytester):
    config = adapter_config(pytester)
    run = vars(make_parser().parse_args(["run"]))
    for option in SUITE_OPTIONS:
        assert config.getoption(option.prefixed_dest(adapter.PREFIX)) == run[option.dest], option.long_flag
    assert adapter._options(config) == suite_options(run) == SuiteOptions()


def test_every_option_given_means_the_same_on_both_surfaces(pytester):
    argv = suite_argv(EVERY_OPTION_CHANGED)
    options, _, trailing = " ".join(argv).partition(" -- ")
    assert trailing == "1000 --verbose", "the program's arguments come last, after --"
    assert {arg for arg in options.split() if arg.startswith("--")} == {
        option.long_flag for option in SUITE_OPTIONS if not option.positional
    }
    from_run = suite_options(vars(make_parser().parse_args(["run", *argv])))
    from_pytest = adapter._options(adapter_config(pytester, *adapter_argv(argv)))
    assert from_run == from_pytest == suite_options(EVERY_OPTION_CHANGED)
    assert (from_run.sizes, from_run.auto, from_run.ci_target, from_run.layout_randomization) == (
        ["test", "large"], False, 0.05, False,
    )  # fmt: skip


def test_switches_are_forwarded_as_bare_flags():
    defaults = vars(make_parser().parse_args(["run"]))
    argv = suite_argv({**defaults, "all_modes": True, "layout_randomization": False})
    assert argv == ["--no-layout-randomization", "--all-modes"]
