"""Tiny WebAssembly modules, written as text, that the runtime tests run: one prints ``hello``,
one exits with status 7 through WASI, one traps, one never ends."""

from __future__ import annotations

from pathlib import Path

import wasmtime

from wasmbench.build.toolchain import WASM_TARGET, Artefact

WASI = '(import "wasi_snapshot_preview1" "{name}" (func ${name} {signature}))'
HELLO = f"""(module
  {WASI.format(name="fd_write", signature="(param i32 i32 i32 i32) (result i32)")}
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""
EXIT_7 = f"""(module {WASI.format(name="proc_exit", signature="(param i32)")}
  (memory (export "memory") 1) (func (export "_start") (call $proc_exit (i32.const 7))))"""
TRAP = '(module (memory (export "memory") 1) (func (export "_start") unreachable))'
SPIN = '(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))'


def wat_module(tmp_path: Path, text: str) -> Artefact:
    """``text`` compiled to ``tmp_path/module.wasm``, as the artefact of a workload named ``module``."""
    path = tmp_path / "module.wasm"
    path.write_bytes(wasmtime.wat2wasm(text))
    return Artefact("module", WASM_TARGET, path, "0" * 64, (), cached=False)
