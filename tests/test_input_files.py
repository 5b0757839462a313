"""Inputs are regular files: ``report``, ``compare`` and ``--prices`` refuse a named pipe, a device
or a folder where a file must be, in one line and without opening it (a named pipe nobody writes
would block the read forever)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from synthetic import HOST_X86, TWO_RUNTIMES, document

from wasmbench.cli import main
from wasmbench.errors import WasmbenchError
from wasmbench.store.input_files import check_input_path

UNBLOCK_AFTER_S = 10.0


@pytest.fixture
def fifo(tmp_path) -> Iterator[Path]:
    """A named pipe nobody writes. Should the code under test open it, a writer comes and goes
    after a while, so that the test fails instead of hanging."""
    path = tmp_path / "results.json"
    os.mkfifo(path)

    def unblock() -> None:
        with contextlib.suppress(OSError):  # opens only while a reader waits
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(UNBLOCK_AFTER_S, unblock)
    timer.start()
    yield path
    timer.cancel()


@pytest.fixture
def result(tmp_path) -> Path:
    path = tmp_path / "good" / "result.json"
    path.parent.mkdir()
    path.write_text(json.dumps(document(HOST_X86, TWO_RUNTIMES, run_id="good").to_dict()))
    return path


def test_regular_files_pass_and_folders_where_folders_are_taken(tmp_path):
    (tmp_path / "file.json").write_text("{}")
    check_input_path(tmp_path / "file.json", "result")
    check_input_path(tmp_path, "result", folder=True)


def test_a_missing_path_is_left_to_the_reader_which_names_it(tmp_path):
    check_input_path(tmp_path / "missing.json", "result")


@pytest.mark.parametrize(
    ("special", "message"),
    [
        (Path("/dev/null"), "result /dev/null is a character device, not a file"),
        (None, "is a named pipe (FIFO), not a file"),
    ],
)
def test_a_special_file_is_refused(fifo, special, message):
    with pytest.raises(WasmbenchError, match=re.escape(message)):
        check_input_path(special or fifo, "result")


def test_a_folder_where_a_file_must_be_is_refused(tmp_path):
    with pytest.raises(WasmbenchError, match=re.escape(f"prices file {tmp_path} is a folder, not a file")):
        check_input_path(tmp_path, "prices file")


@pytest.mark.parametrize(
    "command",
    [
        ["report", "{fifo}"],
        ["report", "{result}", "{fifo}"],
        ["compare", "{result}", "{fifo}"],
        ["report", "{result}", "--prices", "{fifo}"],
        ["compare", "{result}", "{result}", "--prices", "{fifo}"],
    ],
    ids=["report", "report-among-files", "compare", "report-prices", "compare-prices"],
)
def test_commands_refuse_a_named_pipe_in_one_line_without_waiting_for_it(
    capsys, tmp_path, fifo, result, command
):
    argv = [word.format(fifo=fifo, result=result) for word in command]
    code = main([*argv, "-o", str(tmp_path / "report")] if command[0] == "report" else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [err.strip()]
    assert f"{fifo} is a named pipe (FIFO), not a file" in err
    assert not (tmp_path / "report").exists()


def test_prices_given_as_a_folder_are_refused(capsys, tmp_path, result):
    code = main(["report", str(result), "--prices", str(tmp_path), "-o", str(tmp_path / "report")])
    assert code == 2
    assert f"prices file {tmp_path} is a folder, not a file" in capsys.readouterr().err
