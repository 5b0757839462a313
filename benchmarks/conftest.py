"""The pytest entry point to a suite, on wasmbench's own engine.

For people who drive suites from pytest: ``pytest benchmarks -s --wb-size test --wb-runtime native``
plans the same suite ``wasmbench run`` would, runs one test per (workload, size) group (the unit of
the interleaved rounds; a test fails when any of its runs failed) and writes the result file in
pytest-benchmark's JSON format with wasmbench's writer at the end of the session (``--wb-output``,
default ``results/<host>-<time>-<pid>.json``). pytest only collects and reports: the rounds, their timing
and the journal are the engine's, so pytest-benchmark's own timing options change nothing here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_benchmark.utils import get_commit_info

from wasmbench.errors import WasmbenchError
from wasmbench.measuring.options import SUITE_OPTIONS, SuiteOptions, add_suite_options, suite_options
from wasmbench.measuring.plan import groups
from wasmbench.measuring.suite import Suite
from wasmbench.store.journal import Journal
from wasmbench.store.paths import default_result_path, journal_path_for, result_path_for
from wasmbench.store.results import result_document, write_document

# ``wasmbench run``'s suite options are the adapter's ``--wb-<long name>``, with the same defaults.
PREFIX = "wb"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmbench")
    group.addoption("--wb-output", help="result file; its journal is continued when it exists")
    add_suite_options(group.addoption, prefix=PREFIX)


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
    return suite_options(
        {option.dest: config.getoption(option.prefixed_dest(PREFIX)) for option in SUITE_OPTIONS}
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
