import hashlib
import re
import shutil
from pathlib import Path

import pytest

from wasmbench.build.manifest import (
    DIGEST_CHECK,
    SIZES,
    TargetBuild,
    load_manifest,
    select_workloads,
    workloads_dir,
)
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


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "suite"


def test_the_example_suite_uses_every_extension_of_the_format():
    suite = load_manifest(EXAMPLE / "manifest.toml")
    primes, matmul, fib = suite["primes"], suite["matmul"], suite["fib"]
    assert set(primes.sizes) == set(SIZES) and all(spec.check == "native" for spec in primes.sizes.values())
    assert [source.name for source in matmul.sources] == ["main.c", "matrix.c"]
    assert set(matmul.sizes) == {"test", "default"}, "a subset of the sizes"
    assert matmul.build_flags("wasm32-wasi") == TargetBuild(
        ("-D_WASI_EMULATED_PROCESS_CLOCKS",), ("m", "wasi-emulated-process-clocks")
    )
    assert matmul.build_flags("x86_64-linux") == TargetBuild((), ("m",))
    assert matmul.build_flags("aarch64-linux") == matmul.build_flags("x86_64-linux-tuned")
    assert fib.prebuilt == {"wasm32-wasi": EXAMPLE / "fib.wasm"} and fib.source is None
    assert fib.reference_mode("default") == "wasmtime:jit" and fib.reference_mode("test") is None
    expected = (EXAMPLE / "fib-test.txt").read_bytes()
    assert fib.size("test").stdout_sha256 == hashlib.sha256(expected).hexdigest()
    assert fib.size("test").mismatch(expected) is None


def test_list_shows_what_a_suite_folder_holds(capsys):
    assert main(["list", "--workloads", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "matmul/main.c matmul/matrix.c" in out and "wasm32-wasi: fib.wasm" in out
    assert "default: 38 [output of wasmtime:jit]" in out and "test: 50 [output of native:default]" in out
    assert "Runtimes" not in out, "only the folder's workloads"


PROGRAM = '[workloads.p]\nsource = "p.c"\n'
SIZE = '[workloads.p.sizes.test]\nargs = []\ncheck = "native"\n'


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (PROGRAM + "cflag = []\n" + SIZE, "workload 'p': unknown key 'cflag' \\(known: title, "),
        (PROGRAM + 'cflags = "-O3"\n' + SIZE, "workload 'p': cflags must be a list of strings, not str"),
        (PROGRAM + "libs = [true]\n" + SIZE, "workload 'p': libs must be a list of strings, not list"),
        (
            PROGRAM + SIZE + "[workloads.p.target.wasm64]\ncflags = []\n",
            "workload 'p': target 'wasm64' is not one of wasm32-wasi, native",
        ),
        (
            PROGRAM + SIZE + '[workloads.p.target.native]\nlib = ["m"]\n',
            "workload 'p', target 'native': unknown key 'lib' \\(known: cflags, libs\\)",
        ),
        (
            PROGRAM + SIZE + '[workloads.p.target.wasm32-wasi]\nlibs = "m"\n',
            "workload 'p', target 'wasm32-wasi': libs must be a list of strings, not str 'm'",
        ),
        (
            '[workloads.p]\nsources = ["p.c", "gone.c"]\n' + SIZE,
            "workload 'p': sources: .*/gone.c is missing",
        ),
        ('[workloads.p]\nsources = []\n' + SIZE, "workload 'p': sources must name at least one C file"),
        (
            PROGRAM + 'wasm = "p.wasm"\n' + SIZE,
            "workload 'p': needs exactly one of source, sources, wasm \\(has source and wasm\\)",
        ),
        ('[workloads.p]\nwasm = "gone.wasm"\n' + SIZE, "workload 'p': wasm: .*/gone.wasm is missing"),
        (
            PROGRAM + 'native = "p.wasm"\n' + SIZE,
            "workload 'p': native \\(a prebuilt native binary\\) goes with wasm",
        ),
        (
            '[workloads.p]\nwasm = "p.wasm"\n' + SIZE,
            "workload 'p': size 'test': check = \"native\" needs a native build",
        ),
        (
            PROGRAM + SIZE.replace("native", "reference"),
            "workload 'p': size 'test': check = \"reference\" needs the workload's reference mode",
        ),
        (PROGRAM + 'reference = "wasmtime"\n' + SIZE, "workload 'p': reference must be a runtime mode"),
        (
            PROGRAM + SIZE.replace("test", "huge"),
            "workload 'p': size 'huge' is not one of test, default, large",
        ),
        (PROGRAM + "[workloads.p.sizes]\n", "workload 'p': has no sizes"),
        (
            PROGRAM + SIZE.replace('check = "native"', 'stdout_file = "gone.txt"'),
            "workload 'p', size 'test': stdout_file: .*/gone.txt is missing",
        ),
        (
            PROGRAM + SIZE.replace('check = "native"', 'stdout_sha256 = "xyz"'),
            "workload 'p', size 'test': stdout_sha256 must be 64 hexadecimal digits, not 'xyz'",
        ),
        (
            PROGRAM + SIZE + "exit_code = 300\n",
            "workload 'p', size 'test': exit_code must be an exit status 0-255, not 300",
        ),
        (
            PROGRAM + SIZE + 'inputs = ["gone.bin"]\n',
            "workload 'p', size 'test': inputs: .*/gone.bin is missing",
        ),
        (PROGRAM + 'include = ["gone"]\n' + SIZE, "workload 'p': include: .*/gone is no folder"),
        (
            PROGRAM + SIZE + "repeat = 3\n",
            "workload 'p', size 'test': unknown key 'repeat' \\(known: args, ",
        ),
    ],
    ids=[
        "unknown-key", "cflags-string", "libs-bool", "target-kind", "target-key", "target-libs",
        "sources-missing", "sources-empty", "two-programs", "wasm-missing", "native-without-wasm",
        "native-check-without-native", "reference-check-without-reference", "reference-shape",
        "size-name", "no-sizes", "stdout-file-missing", "sha256-shape", "exit-code", "inputs-missing",
        "include-missing", "size-key",
    ],
)  # fmt: skip
def test_every_key_of_a_suite_folder_is_checked_as_it_loads(tmp_path, capsys, entry, message):
    (tmp_path / "p.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / "p.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "manifest.toml").write_text(entry)
    assert main(["list", "--workloads", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert re.match(f"wasmbench: error: workload manifest {tmp_path}/manifest.toml: {message}", err), err
    assert err.count("\n") == 1


def test_each_workload_in_error_is_one_line_and_the_suite_does_not_start(tmp_path, capsys):
    (tmp_path / "manifest.toml").write_text(
        '[workloads.a]\nsource = "a.c"\n[workloads.a.sizes.test]\nargs = []\ncheck = "native"\n'
        '[workloads.b]\nsource = "b.c"\nflags = []\n[workloads.b.sizes.test]\nargs = []\ncheck = "native"\n'
        '[workloads.c]\nwasm = "c.wasm"\n[workloads.c.sizes.test]\nargs = []\ncheck = "native"\n'
    )
    (tmp_path / "b.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / "c.wasm").write_bytes(b"\0asm\1\0\0\0")
    code = main(["run", "--workloads", str(tmp_path), "-r", "native", "-o", str(tmp_path / "r.json")])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2
    assert [line.split(": ")[3] for line in lines] == ["workload 'a'", "workload 'b'", "workload 'c'"]
    assert "source" in lines[0] and "unknown key 'flags'" in lines[1] and "needs a native build" in lines[2]
    assert not (tmp_path / "r.jsonl").exists()
