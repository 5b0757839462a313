// Runs one WASI preview1 command module under Node.js (V8) for wasmbench's node runner.
//
//   node node_wasi.mjs REPORT MODULE ARGV0 [ARG...]
//
// The process's working directory is the module's only preopened directory ("."), the module
// gets its arguments and no environment, and its standard streams are the process's own (the
// harness points them at files). REPORT receives one JSON object: the phase times in
// nanoseconds (compile, instantiate, execute) and, when the module trapped, the trap's message
// as `trap`, or, when anything else failed, that error as `error` (node_wasi_instance.mjs).
// The process exits with the module's exit status (1 after a trap or an error).
import { readFileSync, writeFileSync } from "node:fs";
import { failure, newContext, runCommand, timed } from "./node_wasi_instance.mjs";

const [report, modulePath, argv0, ...args] = process.argv.slice(2);
const phases = {};
const result = { phases_ns: phases };

try {
  const bytes = readFileSync(modulePath);
  const module = await timed(phases, "compile", () => WebAssembly.compile(bytes));
  const context = newContext({ args: [argv0, ...args], preopens: { ".": "." } });
  process.exitCode = await runCommand(module, context, phases);
} catch (error) {
  Object.assign(result, failure(error));
  process.exitCode = 1;
}
writeFileSync(report, JSON.stringify(result));
