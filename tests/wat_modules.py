"""Tiny WebAssembly modules, written as text, that the runtime tests run: one prints ``hello``,
one exits with status 7 through WASI, one traps, one never ends; for the warm hosts, one counts its
calls (``COUNTER``) and one echoes its standard input (``ECHO``)."""

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
# Counts its calls in a global and prints the count in decimal and a newline: a fresh instance per
# invocation prints ``COUNTER_FRESH_OUTPUT`` every time; a reused one, 2, 3, …
COUNTER = f"""(module
  {WASI.format(name="fd_write", signature="(param i32 i32 i32 i32) (result i32)")}
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "_start") (local $count i32) (local $at i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.set $count (global.get $calls))
    (local.set $at (i32.const 63))
    (i32.store8 (i32.const 63) (i32.const 10))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.rem_u (local.get $count) (i32.const 10))))
      (local.set $count (i32.div_u (local.get $count) (i32.const 10)))
      (br_if $digit (local.get $count)))
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (i32.sub (i32.const 64) (local.get $at)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""
COUNTER_FRESH_OUTPUT = b"1\n"
# Copies its standard input to its standard output, 64 KiB at a time, until the end of its input.
ECHO = f"""(module
  {WASI.format(name="fd_read", signature="(param i32 i32 i32 i32) (result i32)")}
  {WASI.format(name="fd_write", signature="(param i32 i32 i32 i32) (result i32)")}
  (memory (export "memory") 2)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 65536))
    (loop $chunk
      (i32.store (i32.const 4) (i32.const 65536))
      (br_if 1 (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if 1 (i32.eqz (i32.load (i32.const 8))))
      (i32.store (i32.const 4) (i32.load (i32.const 8)))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
      (br $chunk))))"""


def wat_module(tmp_path: Path, text: str) -> Artefact:
    """``text`` compiled to ``tmp_path/module.wasm``, as the artefact of a workload named ``module``."""
    path = tmp_path / "module.wasm"
    path.write_bytes(wasmtime.wat2wasm(text))
    return Artefact("module", WASM_TARGET, path, "0" * 64, (), cached=False)


# Echoes its standard input like ``ECHO``, but traps when the input starts with ``!`` and never ends
# when it starts with ``~``: one warm host that fails, hangs or answers as each request asks.
ECHO_UNLESS_TOLD = f"""(module
  {WASI.format(name="fd_read", signature="(param i32 i32 i32 i32) (result i32)")}
  {WASI.format(name="fd_write", signature="(param i32 i32 i32 i32) (result i32)")}
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 4096))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (i32.eq (i32.load8_u (i32.const 64)) (i32.const 33)) (then unreachable))
    (if (i32.eq (i32.load8_u (i32.const 64)) (i32.const 126)) (then (loop $forever (br $forever))))
    (loop $copy
      (if (i32.load (i32.const 8))
        (then
          (i32.store (i32.const 4) (i32.load (i32.const 8)))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
          (i32.store (i32.const 4) (i32.const 4096))
          (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br $copy))))))"""
