"""The schema: every result format that has existed loads, upgraded; damage names file, pair and run."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from old_results import ENGINE, FOUNDATION, FOUNDATION_JOURNAL, VERSIONS
from synthetic import HOST_X86, TWO_RUNTIMES, document, header

from wasmbench.errors import WasmbenchError
from wasmbench.reports.frame import RUN_COLUMNS, runs_frame
from wasmbench.store.results import load_document
from wasmbench.store.schema import (
    FORMAT_VERSION,
    INVOKE,
    JournalHeader,
    Measurement,
    ResultDocument,
    SchemaError,
    Status,
    sample_record,
    upgrade,
)


@pytest.mark.parametrize("name", list(VERSIONS))
def test_every_old_format_loads_upgraded_and_writes_back_as_today(tmp_path, name):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(VERSIONS[name]))
    document = load_document(path)
    assert document.format_version == FORMAT_VERSION
    assert document.machine_info["label"] == "h1" and document.machine_info["cpu_model"] == "cpu"
    [native] = [result for result in document.pairs if result.pair.runtime == "native"]
    assert [run.usage.wall_ns for run in native.runs] == [1_000_000_000, 2_000_000_000]
    assert native.info is not None and native.info.artefact.target == "native"
    again = ResultDocument.from_dict(json.loads(json.dumps(document.to_dict())))
    assert again == document


def test_the_first_format_gets_what_later_writers_added():
    document = ResultDocument.from_dict(copy.deepcopy(FOUNDATION))
    assert document.unfinished == ["nbody/test/wasmtime/embedded"], "from not_measured"
    assert not document.complete
    [pair] = document.pairs
    assert pair.stop_reason == "" and [run.summary for run in pair.runs] == ["", ""]
    assert [run.round for run in pair.runs] == [None, None]
    assert document.skipped[0].runtime == "docker"


def test_a_pair_whose_preparation_failed_has_no_info_and_counts_as_failed():
    document = ResultDocument.from_dict(copy.deepcopy(ENGINE))
    [failed] = document.failed
    assert failed.info is None and failed.runs[0].status is Status.ERROR
    assert [run.round for run in document.pairs[0].runs] == [0, 1]
    assert document.to_dict()["wasmbench"]["failed"][0]["extra_info"]["stop_reason"] == "prepare failed"


def test_a_current_file_carries_its_format_version():
    data = document(HOST_X86, TWO_RUNTIMES).to_dict()
    assert data["wasmbench"]["format_version"] == FORMAT_VERSION
    assert upgrade(data) == data


def test_a_journal_of_the_first_format_reads_like_its_result_file(tmp_path):
    path = tmp_path / "foundation.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in FOUNDATION_JOURNAL))
    document = load_document(path)
    assert document.machine_info["label"] == "h1" and document.options["runs"] == 2
    assert document.unfinished == ["nbody/test/wasmtime/embedded"]
    [pair] = document.pairs
    assert pair.info is not None and [run.usage.wall_ns for run in pair.runs] == [
        1_000_000_000,
        2_000_000_000,
    ]
    assert len(runs_frame([document])) == 2


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda data: data["benchmarks"][0]["extra_info"]["runs"][1].update(wall_ns="fast"),
            'pair nbody/default/native/default, run 1: wrong value type for field "wall_ns"',
        ),
        (
            lambda data: data["benchmarks"][0]["extra_info"]["runs"][0].pop("stdout_sha256"),
            'pair nbody/default/native/default, run 0: missing value for field "stdout_sha256"',
        ),
        (
            lambda data: data["benchmarks"][0]["extra_info"]["runs"][0].update(status="fine"),
            "pair nbody/default/native/default, run 0: 'fine' is not a valid Status",
        ),
        (lambda data: data["wasmbench"].update(format_version=99), "format version 99 is not one"),
        (lambda data: data["machine_info"].pop("label"), "machine_info lacks label"),
    ],
)
def test_a_damaged_file_is_one_error_naming_file_pair_and_run(tmp_path, damage, message):
    data = document(HOST_X86, TWO_RUNTIMES).to_dict()
    damage(data)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(data))
    with pytest.raises(WasmbenchError) as error:
        load_document(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_frame_has_a_column_per_field_of_the_run_record():
    frame = runs_frame([document(HOST_X86, TWO_RUNTIMES, n=2)])
    assert set(Measurement.columns()) - {"phases_ns"} == set(RUN_COLUMNS) <= set(frame.columns)


def test_a_run_journal_header_keeps_its_shape_and_an_invoke_header_says_what_it_is():
    plain = header(["nop/test/native/default"]).to_dict()
    assert "benchmark" not in plain and "settings" not in plain
    invoke = replace(header(["nop/test/native/default"]), benchmark=INVOKE, settings={"cold": 3})
    again = JournalHeader.from_dict(json.loads(json.dumps(invoke.to_dict())))
    assert (again.benchmark, again.settings) == (INVOKE, {"cold": 3})


def test_a_damaged_invocation_sample_is_named():
    with pytest.raises(SchemaError, match="'warmth' is not a kind"):
        sample_record("warmth", {}, "line 3")
    with pytest.raises(SchemaError, match="line 3"):
        sample_record("load", {"concurrency": "one"}, "line 3")
