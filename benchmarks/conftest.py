"""The pytest entry point to a suite, on wasmbench's own engine.

For people who drive suites from pytest: ``pytest benchmarks -s --wb-size test --wb-runtime native``
plans the same suite ``wasmbench run`` would, runs one test per (workload, size) group (the unit of
the interleaved rounds; a test fails when any of its runs failed) and writes the result file in
pytest-benchmark's JSON format with wasmbench's writer at the end of the session (``--wb-output``,
default ``results/<host>-<time>.json``). pytest only collects and reports: the rounds, their timing
and the journal are the engine's, so pytest-benchmark's own timing options change nothing here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_benchmark.utils import get_commit_info

from wasmbench.errors import WasmbenchError
from wasmbench.measuring.options import SCHEDULES, SuiteOptions, runs_options
from wasmbench.measuring.plan import groups
from wasmbench.measuring.stopping import runs_argument
from wasmbench.measuring.suite import Suite
from wasmbench.store.journal import Journal
from wasmbench.store.paths import default_result_path, journal_path_for, result_path_for
from wasmbench.store.results import result_document, write_document


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmbench")
    group.addoption("--wb-output", help="result file; its journal is continued when it exists")
    group.addoption("--wb-workload", action="append", default=[], help="workload (repeatable; default all)")
    group.addoption("--wb-size", action="append", default=[], help="size: test, default or large")
    group.addoption("--wb-runtime", action="append", default=[], help="runtime or runtime:mode (repeatable)")
    group.addoption("--wb-runs", type=runs_argument, default=5, help="measured rounds, or auto")
    group.addoption("--wb-max-runs", type=int, default=30, help="with --wb-runs auto: most rounds")
    group.addoption("--wb-max-time", type=float, default=120.0, help="with auto: most seconds per mode")
    group.addoption(
        "--wb-ci-target", type=float, default=2.0, help="with auto: 95%% CI half-width, %% of mean"
    )
    group.addoption("--wb-warmup", type=int, default=1, help="unmeasured rounds before them")
    group.addoption("--wb-timeout", type=float, default=300.0, help="seconds before a run is killed")
    group.addoption("--wb-seed", type=int, default=None, help="seed of the shuffled order")
    group.addoption("--wb-opt", default="O2", help="optimisation level for every target")
    group.addoption(
        "--wb-schedule", choices=SCHEDULES, default=SCHEDULES[0], help="interleaved or consecutive"
    )


def pytest_configure(config: pytest.Config) -> None:
    output = Path(config.getoption("wb_output") or default_result_path())
    journal = journal_path_for(output)
    try:
        suite = Suite.resume(journal) if journal.exists() else Suite.create(_options(config), journal)
        suite.build()
    except WasmbenchError as error:
        raise pytest.UsageError(str(error)) from error
    config.wasmbench_suite = suite  # type: ignore[attr-defined]
    config.wasmbench_engine = suite.engine(progress=False)  # type: ignore[attr-defined]


def _options(config: pytest.Config) -> SuiteOptions:
    option = config.getoption
    return SuiteOptions(
        workloads=option("wb_workload"),
        sizes=option("wb_size") or ["test"],
        runtimes=option("wb_runtime"),
        **runs_options(
            option("wb_runs"), option("wb_max_runs"), option("wb_max_time"), option("wb_ci_target")
        ),
        warmup=option("wb_warmup"),
        timeout_s=option("wb_timeout"),
        seed=option("wb_seed"),
        opt_level=option("wb_opt"),
        schedule=option("wb_schedule"),
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "group" in metafunc.fixturenames:
        pending = groups(metafunc.config.wasmbench_suite.journal.pending())  # type: ignore[attr-defined]
        metafunc.parametrize("group", list(pending.values()), ids=list(pending))


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest) -> Suite:
    return request.config.wasmbench_suite  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Release the runners and write the result file (also for an interrupted session)."""
    suite: Suite | None = getattr(session.config, "wasmbench_suite", None)
    if suite is None:
        return
    suite.close()
    journal = Journal.open(suite.journal.path)
    if journal.discard_if_empty():
        return
    write_document(result_path_for(journal.path), result_document(journal, get_commit_info()))
    if not journal.pending():
        journal.delete()
