"""wasmtime:nn: the inference workload's wasi-nn variant, whose network the host's OpenVINO runs.

The OpenVINO model is built from the same folded weights as the C program's and must rank the
classes as the numpy reference does; the variant's inputs and label check come from the manifest;
workloads without the variant are skipped for the mode with the reason; and the real run, through
wasmtime's WASI-NN, classifies the photos as the pure-wasm program does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wasmbench.build.checks import LabelCheck
from wasmbench.build.inputs import InputStore
from wasmbench.build.manifest import load_manifest
from wasmbench.build.toolchain import Toolchain
from wasmbench.extras import install_command
from wasmbench.measuring.measurement import Status, validate
from wasmbench.measuring.options import SuiteOptions
from wasmbench.measuring.suite import Suite
from wasmbench.runners.wasmtime import NN_MODE, WasmtimeRunner
from wasmbench.runtimes.runner import Invocation
from wasmbench.workloads import mobilenet_v2
from wasmbench.workloads.inference_inputs import folded_layers, load_photo

openvino = pytest.importorskip(
    "openvino", reason=f"wasmtime:nn needs openvino ({install_command('inference')})"
)

RUNNER = WasmtimeRunner()


@pytest.fixture(scope="module")
def nn_available() -> None:
    availability = RUNNER.availability(NN_MODE)
    if not availability.available:
        pytest.skip(f"wasmtime:nn is not available: {availability.reason} ({availability.hint})")


@pytest.fixture(scope="module")
def layers() -> list[mobilenet_v2.Layer]:
    return folded_layers()


@pytest.mark.slow
@pytest.mark.parametrize("photo", ["coffee", "chelsea"])
def test_the_openvino_model_ranks_the_classes_as_the_numpy_reference(layers, photo):
    from wasmbench.workloads.mobilenet_v2_openvino import build_model

    image = mobilenet_v2.preprocess(load_photo(photo), 192)
    compiled = openvino.Core().compile_model(build_model(layers, 192), "CPU")
    logits = compiled(image[None].astype(np.float32))[0][0]
    reference = mobilenet_v2.forward(layers, image)
    assert list(np.argsort(-logits)[:5]) == list(np.argsort(-reference)[:5])


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.mark.slow
def test_the_variant_gets_the_size_inputs_plus_the_ir_and_the_label_check(cache, tmp_path):
    inference = load_manifest()["inference"]
    inputs = InputStore(cache).inputs(inference, "test", "wasi-nn")
    assert isinstance(inputs.check, LabelCheck)
    inputs.stage(tmp_path)
    staged = {path.name for path in tmp_path.iterdir()}
    assert {*inference.size("test").inputs, "mobilenet_v2.xml", "mobilenet_v2.bin"} == staged
    assert not isinstance(InputStore(cache).inputs(inference, "test").check, LabelCheck)


def test_workloads_without_the_variant_are_skipped_for_the_mode_with_the_reason(nn_available, tmp_path):
    options = SuiteOptions(workloads=["nop", "inference"], sizes=["test"], runtimes=["wasmtime:nn"], seed=1)
    suite = Suite.create(options, tmp_path / "suite.jsonl")
    assert [pair.key for pair in suite.journal.plan] == ["inference/test/wasmtime/nn"]
    [skipped] = suite.skipped
    assert (skipped.runtime, skipped.mode, skipped.workloads) == ("wasmtime", "nn", ["nop"])
    assert skipped.reason == "runs only workloads with a wasi-nn variant; nop has none"


@pytest.mark.slow
def test_a_missing_model_file_is_a_clear_error(nn_available, cache, tmp_path):
    inference = load_manifest()["inference"]
    artefact = Toolchain(root=cache).build(inference.program("wasi-nn"), "wasm32-wasi")
    inputs = InputStore(cache).inputs(inference, "test", "wasi-nn")
    workdir = tmp_path / "work"
    workdir.mkdir()
    inputs.stage(workdir)
    (workdir / "mobilenet_v2.bin").unlink()
    invocation = Invocation(
        inference.size("test").args, workdir, tmp_path / "stdout", tmp_path / "stderr", timeout_s=120
    )
    outcome = RUNNER.run(RUNNER.prepare(artefact, NN_MODE, cache), invocation)
    measurement = validate(outcome, invocation.stdout, invocation.stderr, inputs.check)
    assert measurement.status is Status.CRASHED and measurement.stdout_bytes == 0
    assert "inference_nn: mobilenet_v2.bin: cannot open" in invocation.stderr.read_text()


@pytest.mark.slow
def test_wasmbench_run_classifies_through_wasi_nn_and_reports_the_speed_up(nn_available, cache, tmp_path):
    def wasmbench(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "wasmbench", *command.split()],
            cwd=tmp_path,
            env={**os.environ, "WASMBENCH_CACHE": str(cache)},
            capture_output=True,
            text=True,
            timeout=900,
        )

    run = wasmbench("run -r wasmtime:nn -r wasmtime:jit -w inference --size test --runs 1 -o nn.json")
    assert run.returncode == 0, run.stderr + run.stdout
    document = json.loads((tmp_path / "nn.json").read_text())
    entries = {entry["param"]: entry["extra_info"] for entry in document["benchmarks"]}
    nn = entries["inference/test/wasmtime/nn"]
    assert [run["status"] for run in nn["runs"]] == ["ok"]
    assert nn["variant"] == "wasi-nn" and nn["validation"].startswith("labels only")
    assert "-S" in nn["mode_flags"] and "openvino" in nn["runtime_version"]
    summary = nn["runs"][0]["summary"]
    assert "coffee.ppm: espresso" in summary and "chelsea.ppm: Egyptian cat" in summary
    assert "Speed-up of variants" in run.stdout
    assert "| wasmtime:nn over wasmtime:jit |" in run.stdout
    assert "wasmtime:nn runs inference as inference_nn.c" in run.stdout
    assert "validated by labels only" in run.stdout


def test_without_openvinos_c_library_the_mode_is_skipped_with_the_reason_and_the_install(monkeypatch):
    def missing() -> str:
        raise OSError("the openvino package is not installed")

    monkeypatch.setattr("wasmbench.runners.wasmtime.openvino_library_path", missing)
    availability = WasmtimeRunner().availability(NN_MODE)
    assert not availability.available
    assert availability.reason == "WASI-NN needs OpenVINO's C library: the openvino package is not installed"
    assert availability.hint == "pip install 'wasmbench[inference]'"
    assert WasmtimeRunner().availability("jit").available == RUNNER.availability("jit").available


def test_wasmtime_finds_openvinos_c_library_through_a_link_in_the_cache(monkeypatch, tmp_path):
    from wasmbench.runners.wasmtime import openvino_library_path

    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path))
    link_folder, libraries = openvino_library_path().split(":")
    link = Path(link_folder) / "libopenvino_c.so"
    assert link.is_symlink() and link.resolve().name.startswith("libopenvino_c.so.")
    assert Path(link_folder).is_relative_to(tmp_path) and not Path(libraries).is_relative_to(tmp_path)
    assert openvino_library_path() == f"{link_folder}:{libraries}", "the link is made once and reused"
