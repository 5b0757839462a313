import hashlib
import re
import shutil

import pytest

from wasmbench.build.manifest import DIGEST_CHECK, SIZES, load_manifest, select_workloads, workloads_dir
from wasmbench.cli import main
from wasmbench.errors import WasmbenchError

OFFICIAL_NAMES = {"binarytrees", "fannkuchredux", "mandelbrot", "nbody"}
OFFICIAL_SIZES = {"binarytrees": "21", "fannkuchredux": "12", "mandelbrot": "16000", "nbody": "50000000"}


def test_every_workload_has_every_size_and_its_source():
    manifest = load_manifest()
    assert OFFICIAL_NAMES | {"nop", "inference"} == set(manifest)
    for workload in manifest.values():
        assert workload.source.is_file()
        assert set(workload.sizes) == set(SIZES)
        digest_checked = [spec for spec in workload.sizes.values() if spec.check == DIGEST_CHECK]
        assert all(len(spec.stdout_sha256) == 64 for spec in digest_checked)


def test_inference_sizes_list_their_inputs_and_are_checked_against_a_reference():
    inference = load_manifest()["inference"]
    assert inference.inputs is not None
    for spec in inference.sizes.values():
        assert spec.check == "classification"
        weights, labels, _, *images = spec.args
        assert set(spec.inputs) == {weights, labels, *images}
    assert inference.sizes["test"].args[2:] == ("192", "coffee.ppm", "chelsea.ppm")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            '[workloads.x.sizes.test]\nargs = []\ninputs = ["a"]\ncheck = "classification"\n',
            "needs the workload's \\[inputs\\] builder",
        ),
        (
            f'[workloads.x.sizes.test]\nargs = []\nstdout_sha256 = "{"0" * 64}"\nstdout_bytes = 0\n'
            '[workloads.x.variants.fast]\nsource = "x_fast.c"\ninputs = ["model"]\n',
            "workload 'x', variant 'fast': its inputs need its builder",
        ),
    ],
    ids=["size", "variant"],
)
def test_inputs_need_an_input_builder(tmp_path, entries, message):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text('[workloads.x]\nsource = "x.c"\n' + entries)
    with pytest.raises(WasmbenchError, match=message):
        load_manifest(manifest)


def test_large_sizes_are_the_official_benchmark_sizes():
    manifest = load_manifest()
    assert {name: manifest[name].sizes["large"].args[0] for name in OFFICIAL_NAMES} == OFFICIAL_SIZES


def test_test_size_outputs_are_the_official_ones(official_outputs):
    for name in OFFICIAL_NAMES:
        official = (official_outputs / f"{name}-output.txt").read_bytes()
        spec = load_manifest()[name].sizes["test"]
        assert spec.stdout_sha256 == hashlib.sha256(official).hexdigest(), name
        assert spec.stdout_bytes == len(official)


def test_selection_keeps_manifest_order_and_rejects_unknown_names():
    manifest = load_manifest()
    assert [w.name for w in select_workloads(manifest, ["nbody", "binarytrees"])] == ["binarytrees", "nbody"]
    with pytest.raises(WasmbenchError, match="unknown workload spectralnorm"):
        select_workloads(manifest, ["spectralnorm"])


def test_a_malformed_manifest_is_a_clear_error(tmp_path):
    broken = tmp_path / "manifest.toml"
    broken.write_text("[workloads.nbody\n")
    with pytest.raises(WasmbenchError, match="cannot read workload manifest"):
        load_manifest(broken)


def test_workloads_folder_can_be_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMBENCH_WORKLOADS", str(tmp_path))
    assert workloads_dir() == tmp_path


def test_inference_has_a_wasi_nn_variant_with_its_own_inputs_and_check():
    inference = load_manifest()["inference"]
    variant = inference.variant("wasi-nn")
    assert variant.source.is_file() and variant.source.name == "inference_nn.c"
    assert variant.inputs == ("mobilenet_v2.xml", "mobilenet_v2.bin")
    assert variant.builder is not None and variant.check == "classification-labels"
    program = inference.program("wasi-nn")
    assert (program.name, program.source, program.sizes) == ("inference_nn", variant.source, inference.sizes)
    assert inference.program() is inference
    assert not load_manifest()["nbody"].variants


def test_an_unknown_variant_is_a_clear_error():
    with pytest.raises(WasmbenchError, match="workload 'nbody' has no wasi-nn variant"):
        load_manifest()["nbody"].program("wasi-nn")


@pytest.fixture
def workloads_copy(tmp_path, monkeypatch):
    """A user's copy of the workloads folder, in use through ``WASMBENCH_WORKLOADS``."""
    copy = tmp_path / "workloads"
    shutil.copytree(workloads_dir(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("WASMBENCH_WORKLOADS", str(copy))
    return copy


def edit_nbody(manifest, old: str, new: str) -> None:
    """Replace the first ``old`` in n-body's tables (its own keys, then its test size's)."""
    text = manifest.read_text()
    start = text.index("[workloads.nbody]")
    assert old in text[start:]
    manifest.write_text(text[:start] + text[start:].replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'args = ["1000"]',
            'args = "1000"',
            "workload 'nbody', size 'test': args must be a list of strings, not str '1000'",
        ),
        (
            'args = ["1000"]',
            "args = 1000",
            "workload 'nbody', size 'test': args must be a list of strings, not int 1000",
        ),
        (
            "stdout_bytes = 26",
            'stdout_bytes = "26"',
            "workload 'nbody', size 'test': stdout_bytes must be an integer",
        ),
        ("stdout_sha256 =", "# stdout_sha256 =", "workload 'nbody', size 'test': stdout_sha256 is missing"),
        ('source = "nbody.c"', 'source = ["nbody.c"]', "workload 'nbody': source must be a string"),
        (
            "seconds = 0.004",
            "seconds = -1",
            "workload 'nbody', size 'test': seconds must be a number of seconds, not int -1",
        ),
    ],
    ids=["args-string", "args-number", "bytes-string", "digest-missing", "source-list", "seconds-negative"],
)
def test_a_wrong_or_missing_key_is_one_line_naming_workload_size_and_key(
    workloads_copy, tmp_path, capsys, old, new, message
):
    manifest = workloads_copy / "manifest.toml"
    edit_nbody(manifest, old, new)
    code = main(["run", "-r", "native", "-w", "nbody", "--size", "test", "-o", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"wasmbench: error: workload manifest {manifest}: {message}")
    assert err.count("\n") == 1
    assert not (tmp_path / "r.jsonl").exists(), "stopped before the suite began"


def test_a_missing_source_stops_the_suite_before_anything_is_built(workloads_copy, tmp_path, capsys):
    (workloads_copy / "inference_nn.c").unlink()
    code = main(["run", "-r", "native", "-w", "nbody", "--size", "test", "-o", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert re.fullmatch(
        r"wasmbench: error: workload manifest .*: "
        r"workload 'inference': source .*/inference_nn.c is missing\n",
        err,
    )
    assert not (tmp_path / "r.jsonl").exists()
