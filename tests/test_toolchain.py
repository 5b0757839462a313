"""The toolchain: one compiler for every target, the same flags, and a cache that skips rebuilds."""

from __future__ import annotations

import subprocess
from dataclasses import replace

import pytest
import wasmtime

from wasmbench.build import toolchain
from wasmbench.build.manifest import TargetBuild, load_manifest
from wasmbench.build.toolchain import (
    WASM_SIMD_TARGET,
    WASM_TARGET,
    ZIG_CACHE_VARIABLES,
    Toolchain,
    helper_program,
    host_target,
    resolve_target,
    unbuildable,
)
from wasmbench.errors import WasmbenchError

ELF_MACHINE = {"x86_64-linux": 62, "aarch64-linux": 183}


@pytest.fixture
def nop():
    return load_manifest()["nop"]


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("native", host_target()),
        ("wasm", WASM_TARGET),
        ("wasm-simd", WASM_SIMD_TARGET),
        ("aarch64", "aarch64-linux"),
        ("x86_64-linux", "x86_64-linux"),
    ],
)
def test_target_names_and_aliases(name, target):
    assert resolve_target(name) == target


@pytest.mark.slow
def test_a_rebuild_with_nothing_changed_compiles_nothing(nop, tmp_path):
    toolchain = Toolchain(root=tmp_path)
    first = toolchain.build(nop, "native")
    modified = first.path.stat().st_mtime_ns
    second = toolchain.build(nop, "native")
    assert (first.cached, second.cached) == (False, True)
    assert second.path == first.path and second.path.stat().st_mtime_ns == modified
    assert subprocess.run([second.path], capture_output=True, text=True).stdout == "wasmbench nop\n"


@pytest.mark.slow
def test_other_flags_are_another_artefact_with_the_same_flags_on_every_target(nop, tmp_path):
    o2, o3 = Toolchain("O2", root=tmp_path), Toolchain("O3", root=tmp_path)
    assert o2.build(nop, "native").path != o3.build(nop, "native").path
    wasm = o2.build(nop, "wasm32-wasi")
    native = o2.build(nop, "native")
    assert wasm.path.read_bytes()[:4] == b"\0asm"
    assert wasm.flags[: len(o2.flags)] == native.flags[: len(o2.flags)] == o2.flags
    assert "-ffp-contract=off" in o2.flags


def validates_without_simd(module: bytes) -> bool:
    """Whether wasmtime accepts ``module`` with the SIMD proposal turned off."""
    config = wasmtime.Config()
    config.wasm_relaxed_simd = False  # it builds on SIMD: off first
    config.wasm_simd = False
    try:
        wasmtime.Module.validate(wasmtime.Engine(config), module)
    except wasmtime.WasmtimeError:
        return False
    return True


@pytest.mark.slow
def test_the_simd_build_is_the_same_source_vectorised_with_simd128_and_records_it(tmp_path):
    nbody = load_manifest()["nbody"]
    toolchain = Toolchain(root=tmp_path)
    scalar, simd = toolchain.build(nbody, "wasm"), toolchain.build(nbody, "wasm-simd")
    assert simd.flags == (*scalar.flags, "-msimd128")
    assert "simd128" in simd.wasm_features and "simd128" not in scalar.wasm_features
    assert set(scalar.wasm_features) < set(simd.wasm_features), "the same features, and SIMD"
    assert simd.describe()["wasm_features"] == list(simd.wasm_features)
    assert validates_without_simd(scalar.path.read_bytes())
    assert not validates_without_simd(simd.path.read_bytes()), "its code uses 128-bit SIMD"
    assert "wasm_features" not in toolchain.build(nbody, "native").describe(), "a wasm build's only"


@pytest.mark.slow
@pytest.mark.parametrize("target", ["x86_64-linux", "aarch64-linux"])
def test_cross_targets_are_elf_programs_for_their_architecture(nop, tmp_path, target):
    header = Toolchain(root=tmp_path).build(nop, target).path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    assert int.from_bytes(header[18:20], "little") == ELF_MACHINE[target]


def test_the_compiler_is_described_for_the_results(tmp_path):
    described = Toolchain(root=tmp_path).describe()
    assert described["clang_version"].startswith("clang version")
    assert described["zig_version"]
    assert described["flags"][0] == "-O2"


def test_a_malformed_optimisation_level_is_refused():
    with pytest.raises(WasmbenchError, match="optimisation level"):
        Toolchain("fast")


@pytest.mark.slow
def test_a_compile_error_is_reported_with_the_compilers_message(nop, tmp_path):
    broken = tmp_path / "broken.c"
    broken.write_text("int main(void) { return missing; }\n")
    workload = type(nop)("broken", "broken", "", broken, (), nop.sizes)
    with pytest.raises(WasmbenchError, match=r"compiling broken\.c failed.*missing"):
        Toolchain(root=tmp_path).build(workload, "native")
    assert not [path for path in (tmp_path / "build").rglob("*") if path.is_file()]


@pytest.mark.slow
def test_a_changed_header_beside_the_source_is_a_rebuild(nop, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    source = folder / "program.c"
    source.write_text('#include "shared.h"\nint main(void) { return VALUE; }\n')
    (folder / "shared.h").write_text("#define VALUE 0\n")
    workload = type(nop)("program", "program", "", source, (), nop.sizes)
    toolchain = Toolchain(root=tmp_path)
    first = toolchain.build(workload, "native")
    (folder / "shared.h").write_text("#define VALUE 3\n")
    second = toolchain.build(workload, "native")
    assert not second.cached and second.path != first.path
    assert subprocess.run([second.path]).returncode == 3


@pytest.mark.slow
def test_without_home_zig_keeps_its_cache_in_wasmbenchs(nop, tmp_path, monkeypatch):
    """zig finds no cache folder without $HOME (a service, ``env -i``) and would not start."""
    for name in ZIG_CACHE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WASMBENCH_CACHE", str(tmp_path / "cache"))
    artefact = Toolchain().build(nop, host_target())
    assert artefact.path.is_relative_to(tmp_path / "cache")
    assert (tmp_path / "cache" / "zig").is_dir()


def test_a_toolchain_that_does_not_run_is_named_with_its_own_words(tmp_path):
    failing = ["sh", "-c", "echo 'error: unable to resolve zig cache directory' >&2; exit 1"]
    with pytest.raises(WasmbenchError, match=r": error: unable to resolve zig cache directory$"):
        toolchain._output(failing)


def test_a_prebuilt_module_is_its_own_artefact_and_has_no_program_for_other_targets(tmp_path):
    module = tmp_path / "m.wasm"
    module.write_bytes(b"\0asm\1\0\0\0")
    prebuilt = replace(helper_program(tmp_path / "m.c"), source=None, prebuilt={WASM_TARGET: module})
    artefact = Toolchain(root=tmp_path).build(prebuilt, "wasm")
    assert (artefact.path, artefact.flags, artefact.cached) == (module, (), True)
    assert "without a native build" in unbuildable(prebuilt, host_target())
    binary = tmp_path / "m-native"
    binary.write_bytes(b"\x7fELF")
    with_native = replace(prebuilt, prebuilt={WASM_TARGET: module, "native": binary})
    assert unbuildable(with_native, host_target()) == ""
    assert "portable build" in unbuildable(with_native, resolve_target("host"))
    assert "portable build" in unbuildable(
        with_native, "aarch64-linux" if host_target() != "aarch64-linux" else "x86_64-linux"
    )
    with pytest.raises(
        WasmbenchError, match="workload 'm': a prebuilt wasm32-wasi module without a native build"
    ):
        Toolchain(root=tmp_path).build(prebuilt, "native")


@pytest.mark.slow
def test_sources_and_per_target_flags_are_compiled_together(tmp_path):
    (tmp_path / "main.c").write_text(
        '#include "value.h"\n#include <stdio.h>\nint main(void) { printf("%d\\n", value()); return 0; }\n'
    )
    (tmp_path / "value.c").write_text('#include "value.h"\nint value(void) { return VALUE; }\n')
    (tmp_path / "value.h").write_text("int value(void);\n")
    workload = replace(
        helper_program(tmp_path / "main.c"),
        extra_sources=(tmp_path / "value.c",),
        cflags=("-DVALUE=1",),
        targets={"native": TargetBuild(cflags=("-UVALUE", "-DVALUE=7"))},
    )
    native = Toolchain(root=tmp_path).build(workload, "native")
    assert subprocess.run([native.path], capture_output=True, text=True).stdout == "7\n"
    assert "-DVALUE=7" in native.flags
    wasm = Toolchain(root=tmp_path).build(workload, "wasm")
    assert "-DVALUE=7" not in wasm.flags and "-DVALUE=1" in wasm.flags
    (tmp_path / "value.h").write_text("int value(void); /* changed */\n")
    assert not Toolchain(root=tmp_path).build(workload, "native").cached, "a header keys the cache"


@pytest.mark.slow
def test_include_folders_are_searched_for_headers_and_key_the_cache(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "answer.h").write_text("#define ANSWER 42\n")
    (tmp_path / "main.c").write_text(
        '#include <answer.h>\n#include <stdio.h>\nint main(void) { printf("%d\\n", ANSWER); return 0; }\n'
    )
    workload = replace(helper_program(tmp_path / "main.c"), include=(tmp_path / "common",))
    native = Toolchain(root=tmp_path / "cache").build(workload, "native")
    assert subprocess.run([native.path], capture_output=True, text=True).stdout == "42\n"
    (tmp_path / "common" / "answer.h").write_text("#define ANSWER 43\n")
    assert not Toolchain(root=tmp_path / "cache").build(workload, "native").cached
