"""The inference workload: reading torchvision's weights without torch, folding batch-norm, and the C
program refusing damaged inputs, natively and as wasm, with a clear error instead of a wrong answer."""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from wasmbench.build.inputs import Inputs, InputStore
from wasmbench.build.manifest import load_manifest
from wasmbench.build.toolchain import Toolchain
from wasmbench.measuring.measurement import Measurement, Status, validate
from wasmbench.runners.native import NativeRunner
from wasmbench.runners.wasmtime import WasmtimeRunner
from wasmbench.runtimes.runner import Invocation, Runner
from wasmbench.workloads import mobilenet_v2, torch_legacy
from wasmbench.workloads.inference_inputs import torchvision_weights

RUNNERS = [NativeRunner(), WasmtimeRunner()]


@pytest.fixture(scope="module")
def state() -> dict[str, np.ndarray]:
    return torch_legacy.load_state_dict(torchvision_weights())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[dict[str, Path], Inputs]:
    root = tmp_path_factory.mktemp("cache")
    inference = load_manifest()["inference"]
    toolchain = Toolchain(root=root)
    programs = {
        runner.declaration.name: toolchain.build(inference, runner.declaration.modes[0].target)
        for runner in RUNNERS
    }
    return programs, InputStore(root).inputs(inference, "test")


def test_reads_torchvision_weights_without_torch(state):
    assert len(state) == 314
    assert state["features.0.0.weight"].shape == (32, 3, 3, 3)
    assert state["classifier.1.weight"].shape == (1000, 1280)
    assert state["classifier.1.weight"].dtype == np.float32


def test_the_unpickler_refuses_anything_but_tensors(tmp_path):
    path = tmp_path / "evil.pth"
    with path.open("wb") as stream:
        for header in (torch_legacy.MAGIC_NUMBER, torch_legacy.PROTOCOL_VERSION, {"little_endian": True}):
            pickle.dump(header, stream, protocol=2)
        stream.write(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    with pytest.raises(torch_legacy.LegacyFormatError, match=r"refusing to load os\.system"):
        torch_legacy.load_state_dict(path)


def test_folding_batch_norm_keeps_what_the_first_layer_computes(state):
    image = np.random.default_rng(7).normal(size=(3, 16, 16))
    windows = mobilenet_v2._windows(image, stride=2)
    convolved = np.einsum("chwij,ocij->ohw", windows, state["features.0.0.weight"].astype(np.float64))
    norm = {
        name: state[f"features.0.1.{name}"].astype(np.float64)[:, None, None] for name in ("weight", "bias")
    }
    mean, var = (
        state[f"features.0.1.running_{name}"].astype(np.float64)[:, None, None] for name in ("mean", "var")
    )
    expected = (convolved - mean) / np.sqrt(var + mobilenet_v2.BATCH_NORM_EPS) * norm["weight"] + norm["bias"]
    first = mobilenet_v2.fold_batch_norm(state)[0]
    folded = (
        np.einsum("chwij,ocij->ohw", windows, first.weight.astype(np.float64)) + first.bias[:, None, None]
    )
    assert np.allclose(folded, expected, atol=1e-4)


def test_the_layers_are_torchvisions_mobilenet_v2(state):
    layers = mobilenet_v2.fold_batch_norm(state)
    assert len(layers) == 53
    assert sum(layer.residual_from is not None for layer in layers) == 10
    assert [layer.stride for layer in layers].count(2) == 5
    assert layers[-1].kind is mobilenet_v2.Kind.DENSE and layers[-1].channels == (1280, 1000)


def run(runner: Runner, built, tmp_path: Path, damage=None) -> tuple[Measurement, str]:
    """Run the test size once with the weights file optionally damaged; the measurement and stderr."""
    programs, inputs = built
    workdir = tmp_path / runner.declaration.name
    workdir.mkdir()
    inputs.stage(workdir)
    if damage:
        weights = workdir / "mobilenet_v2.weights"
        data = weights.read_bytes()
        weights.unlink()  # a hard link into the cache: replace it, never write through it
        weights.write_bytes(damage(data))
    invocation = Invocation(
        load_manifest()["inference"].size("test").args,
        workdir,
        tmp_path / f"{runner.declaration.name}.stdout",
        tmp_path / f"{runner.declaration.name}.stderr",
        timeout_s=120,
    )
    outcome = runner.run(
        runner.prepare(programs[runner.declaration.name], runner.declaration.modes[0].name, tmp_path),
        invocation,
    )
    measurement = validate(outcome, invocation.stdout, invocation.stderr, inputs.check)
    return measurement, invocation.stderr.read_text()


def flip_a_weight_bit(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x10]) + data[middle + 1 :]


def rewrite_with_a_valid_checksum(data: bytes) -> bytes:
    """The last float is the last class's bias: make that class win, and re-sign the file."""
    body = data[24:-4] + struct.pack("<f", 50.0)
    return data[:20] + struct.pack("<I", zlib.crc32(body)) + body


@pytest.mark.slow
@pytest.mark.parametrize("runner", RUNNERS, ids=lambda runner: runner.declaration.name)
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 3], "bytes, the header promises"),
        (flip_a_weight_bit, "checksum mismatch (the file is corrupt)"),
        (lambda data: b"PK\x03\x04" + data[4:], "not a wasmbench MobileNetV2 weights file"),
        (lambda data: data[:12] + struct.pack("<I", 9999) + data[16:], "9999 layers"),
    ],
    ids=["truncated", "bit-flip", "magic", "layer-count"],
)
def test_a_damaged_weights_file_is_a_clear_error(runner, built, tmp_path, damage, message):
    measurement, stderr = run(runner, built, tmp_path, damage)
    assert measurement.status is Status.CRASHED and measurement.exit_code == 1
    assert measurement.stdout_bytes == 0, "nothing is classified with damaged weights"
    assert stderr.startswith("inference: mobilenet_v2.weights: ") and message in stderr


@pytest.mark.slow
@pytest.mark.parametrize("runner", RUNNERS, ids=lambda runner: runner.declaration.name)
def test_other_weights_give_a_wrong_output_not_a_valid_one(runner, built, tmp_path):
    measurement, _ = run(runner, built, tmp_path, rewrite_with_a_valid_checksum)
    assert measurement.status is Status.WRONG_OUTPUT
    assert "toilet tissue" in measurement.detail  # class 999, now first everywhere


@pytest.mark.slow
def test_native_and_wasm_print_the_same_bytes_and_pass_the_reference(built, tmp_path):
    measurements = [run(runner, built, tmp_path)[0] for runner in RUNNERS]
    assert [m.status for m in measurements] == [Status.OK, Status.OK]
    assert measurements[0].stdout_sha256 == measurements[1].stdout_sha256
    assert "coffee.ppm: espresso 0.96" in measurements[0].summary
    assert "chelsea.ppm: Egyptian cat" in measurements[0].summary
