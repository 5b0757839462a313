// Runs one WASI preview1 command module under Node.js (V8) for wasmbench's node runner.
//
//   node node_wasi.mjs REPORT MODULE ARGV0 [ARG...]
//
// The process's working directory is the module's only preopened directory ("."), the module
// gets its arguments and no environment, and its stdout/stderr are the process's own (the
// harness points them at files). REPORT receives one JSON object: the phase times in
// nanoseconds (compile, instantiate, execute) and, when the module trapped (a RuntimeError from
// the wasm instance, or a RangeError: V8's stack overflow), the trap's message as `trap`, or,
// when anything else failed (the module did not compile or link), that error as `error`.
// The process exits with the module's exit status (1 after a trap or an error).
import { readFileSync, writeFileSync } from "node:fs";
import { hrtime } from "node:process";
import { WASI } from "node:wasi";

const [report, modulePath, argv0, ...args] = process.argv.slice(2);
const phases = {};
const result = { phases_ns: phases };

// Node 20 hands the imports over with getImportObject; Node 18 has only wasiImport.
function imports(wasi) {
  return typeof wasi.getImportObject === "function"
    ? wasi.getImportObject()
    : { wasi_snapshot_preview1: wasi.wasiImport };
}

async function timed(name, work) {
  const start = hrtime.bigint();
  try {
    return await work();
  } finally {
    phases[name] = Number(hrtime.bigint() - start);
  }
}

try {
  const bytes = readFileSync(modulePath);
  const module = await timed("compile", () => WebAssembly.compile(bytes));
  const wasi = new WASI({
    version: "preview1",
    args: [argv0, ...args],
    env: {},
    preopens: { ".": "." },
    returnOnExit: true,
  });
  const instance = await timed("instantiate", () =>
    WebAssembly.instantiate(module, imports(wasi)),
  );
  process.exitCode = await timed("execute", () => wasi.start(instance));
} catch (error) {
  if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
    result.trap = `wasm trap: ${error.message}`;
  } else {
    result.error = String(error);
  }
  process.exitCode = 1;
}
writeFileSync(report, JSON.stringify(result));
