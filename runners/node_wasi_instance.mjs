// What wasmbench's two node scripts share: one WASI preview1 command run in a fresh instance of
// a compiled module, its phases timed, and a failure told apart as a trap or an error.
//
// node_wasi.mjs (the cold path: a node process per run) and node_host.mjs (the warm host: one
// node process, a fresh instance per invocation) differ only in where the module, the arguments
// and the standard streams come from.
import { hrtime } from "node:process";
import { WASI } from "node:wasi";

// Runs `work` (sync or async) and records its duration in nanoseconds as `phases[name]`.
export async function timed(phases, name, work) {
  const start = hrtime.bigint();
  try {
    return await work();
  } finally {
    phases[name] = Number(hrtime.bigint() - start);
  }
}

// A new WASI context for one run. `wasi` holds the run's own options: `args` (the program's name
// first), `preopens` (the working directory as "."), and `stdin`/`stdout`/`stderr` where they are
// not the process's own. The module gets no environment, and `proc_exit` returns to the caller
// instead of ending node.
export function newContext(wasi) {
  return new WASI({ version: "preview1", env: {}, returnOnExit: true, ...wasi });
}

// The context's imports: Node 20 hands them over with getImportObject; Node 18 has only wasiImport.
function imports(context) {
  return typeof context.getImportObject === "function"
    ? context.getImportObject()
    : { wasi_snapshot_preview1: context.wasiImport };
}

// Instantiates `module` with `context` and runs its `_start`; returns the exit status.
export async function runCommand(module, context, phases) {
  const instance = await timed(phases, "instantiate", () =>
    WebAssembly.instantiate(module, imports(context)),
  );
  return timed(phases, "execute", () => context.start(instance));
}

// What went wrong, as the harness records it: a RuntimeError from the wasm instance, or a
// RangeError (V8's stack overflow), is the module's trap (the run crashed); anything else (the
// module did not compile or link, a file could not be opened) is an error.
export function failure(error) {
  if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
    return { trap: `wasm trap: ${error.message}` };
  }
  return { error: String(error) };
}
