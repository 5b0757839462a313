import pytest

from wasmbench.errors import WasmbenchError
from wasmbench.journal import Journal
from wasmbench.measurement import Measurement, Status
from wasmbench.plan import Pair
from wasmbench.usage import Usage

A = Pair("nbody", "test", "native", "default")
B = Pair("mandelbrot", "test", "native", "default")


def measurement(status=Status.OK) -> Measurement:
    return Measurement(status, Usage(100, 0.1, 0.0, 1000), 0, None, "ab" * 32, 26)


@pytest.fixture
def journal(tmp_path) -> Journal:
    return Journal.create(tmp_path / "suite.jsonl", {"plan": [A.key, B.key], "options": {}})


def test_everything_recorded_is_read_back(journal):
    journal.record_pair(A, {"runtime_version": {"x": "1"}})
    journal.record_run(A, measurement())
    journal.record_run(A, measurement(Status.WRONG_OUTPUT))
    journal.record_done(A)
    reopened = Journal.open(journal.path)
    assert reopened.pair_info[A.key] == {"runtime_version": {"x": "1"}}
    assert [run.status for run in reopened.runs[A.key]] == [Status.OK, Status.WRONG_OUTPUT]
    assert reopened.pending() == [B]


def test_a_torn_last_line_is_ignored(journal):
    journal.record_run(A, measurement())
    with journal.path.open("a") as stream:
        stream.write('{"type": "run", "pair": "nbo')
    assert len(Journal.open(journal.path).runs[A.key]) == 1


def test_damage_before_the_last_line_is_an_error(journal):
    journal.record_run(A, measurement())
    lines = journal.path.read_text().splitlines()
    journal.path.write_text("\n".join([lines[0], "garbage", lines[1]]) + "\n")
    with pytest.raises(WasmbenchError, match=":2 is not a journal line"):
        Journal.open(journal.path)


def test_a_foreign_file_is_not_a_journal(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(WasmbenchError, match="not a wasmbench journal"):
        Journal.open(path)


def test_create_never_overwrites(journal):
    with pytest.raises(WasmbenchError, match="--resume"):
        Journal.create(journal.path, {"plan": []})
