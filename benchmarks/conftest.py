"""pytest side of the suite: options, the shuffled parametrisation, and pytest-benchmark's hooks.

``wasmbench run`` drives this folder; it also runs on its own, e.g.
``pytest benchmarks -s --wb-size test --wb-runtime native``. Either way every measurement is
journalled as it finishes and the ``--benchmark-json`` file is rebuilt from the journal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmbench.errors import WasmbenchError
from wasmbench.paths import default_result_path, journal_path_for
from wasmbench.stopping import runs_argument
from wasmbench.suite import Suite, SuiteOptions, runs_options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmbench")
    group.addoption("--wb-journal", help="journal to continue, or to start at this path")
    group.addoption("--wb-workload", action="append", default=[], help="workload (repeatable; default all)")
    group.addoption("--wb-size", action="append", default=[], help="size: test, default or large")
    group.addoption("--wb-runtime", action="append", default=[], help="runtime or runtime:mode (repeatable)")
    group.addoption("--wb-runs", type=runs_argument, default=5, help="measured runs per pair, or auto")
    group.addoption("--wb-max-runs", type=int, default=30, help="with --wb-runs auto: most runs per pair")
    group.addoption("--wb-max-time", type=float, default=120.0, help="with auto: most seconds per pair")
    group.addoption(
        "--wb-ci-target", type=float, default=2.0, help="with auto: 95%% CI half-width, %% of mean"
    )
    group.addoption("--wb-warmup", type=int, default=1, help="unmeasured runs before them")
    group.addoption("--wb-timeout", type=float, default=300.0, help="seconds before a run is killed")
    group.addoption("--wb-seed", type=int, default=None, help="seed of the shuffled order")
    group.addoption("--wb-opt", default="O2", help="optimisation level for every target")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("wb_journal", None) and not config.getoption("benchmark_json", None):
        # Run on its own: write the result file where ``wasmbench run`` would.
        config.option.benchmark_json = default_result_path()
    journal = config.getoption("wb_journal") or journal_path_for(Path(config.getoption("benchmark_json")))
    try:
        config.wasmbench_suite = _open_suite(config, Path(journal))  # type: ignore[attr-defined]
    except WasmbenchError as error:
        raise pytest.UsageError(str(error)) from error


def _open_suite(config: pytest.Config, journal: Path) -> Suite:
    if journal.exists():
        return Suite.resume(journal)
    options = SuiteOptions(
        workloads=config.getoption("wb_workload"),
        sizes=config.getoption("wb_size") or ["test"],
        runtimes=config.getoption("wb_runtime"),
        **runs_options(
            config.getoption("wb_runs"),
            config.getoption("wb_max_runs"),
            config.getoption("wb_max_time"),
            config.getoption("wb_ci_target"),
        ),
        warmup=config.getoption("wb_warmup"),
        timeout_s=config.getoption("wb_timeout"),
        seed=config.getoption("wb_seed"),
        opt_level=config.getoption("wb_opt"),
    )
    return Suite.create(options, journal)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pair" in metafunc.fixturenames:
        pending = metafunc.config.wasmbench_suite.journal.pending()  # type: ignore[attr-defined]
        metafunc.parametrize("pair", pending, ids=[pair.key for pair in pending])


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest) -> Suite:
    return request.config.wasmbench_suite  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    suite = getattr(config, "wasmbench_suite", None)
    if suite is not None:
        suite.close()


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info.update(config.wasmbench_suite.machine_info())  # type: ignore[attr-defined]


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list, output_json: dict) -> None:
    config.wasmbench_suite.update_json(output_json)  # type: ignore[attr-defined]
