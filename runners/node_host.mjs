// wasmbench's warm host for V8: one node process serving invocations of one compiled module.
//
//   node [V8 FLAGS] node_host.mjs MODULE ARGV0
//
// It compiles MODULE once (a WebAssembly.Module, with the mode's V8 flags), then speaks the
// warm-host protocol of wasmbench's serving/channel.py: requests on file descriptor 3 and answers
// on descriptor 4, one JSON object per line, `{"ready": true}` once the module is compiled. Each
// request runs in a fresh instance with a fresh WASI context (node_wasi_instance.mjs): ARGV0 and
// the request's `args`, its `workdir` preopened as ".", its `stdin` (or /dev/null), `stdout` and
// `stderr` files opened for this invocation and closed after it. The answer holds the
// invocation's wall time, exit status (null after a trap or an error, which it names), phase
// times, the process's CPU time during it and its peak RSS so far. The host ends when descriptor
// 3 does. Requests come one at a time: the harness waits for each answer before the next.
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { cpuUsage, hrtime, resourceUsage } from "node:process";
import { createInterface } from "node:readline";
import { failure, newContext, runCommand } from "./node_wasi_instance.mjs";

const REQUEST_FD = 3;
const ANSWER_FD = 4;
const FIRST_NON_STDIO_FD = 3;
// How many unused descriptor numbers releaseContext looks past for the context's files.
const DESCRIPTOR_GAP_LIMIT = 64;
const EBADF = 8; // WASI's errno
const [modulePath, argv0] = process.argv.slice(2);

function answer(message) {
  writeSync(ANSWER_FD, `${JSON.stringify(message)}\n`);
}

function openDescriptorCount() {
  return readdirSync("/proc/self/fd").length;
}

// The invocation's standard streams, opened for it alone.
function openStreams(request) {
  const streams = [];
  try {
    streams.push(openSync(request.stdin ?? "/dev/null", "r"));
    streams.push(openSync(request.stdout, "w"));
    streams.push(openSync(request.stderr, "w"));
  } catch (error) {
    closeStreams(streams);
    throw error;
  }
  return streams;
}

function closeStreams(streams) {
  for (const fd of streams) {
    try {
      closeSync(fd);
    } catch {
      // the module closed it itself (fd_close on its stdout, say): nothing left to close
    }
  }
}

// node:wasi never closes the host descriptors a context holds — its preopened directory, the
// files the module left open — not even once the context is collected: a host would run out of
// descriptors after about a thousand invocations. They are closed through the context itself
// (its own fd_close), `count` of them: the descriptors the process gained during the invocation.
function releaseContext(context, count) {
  let closed = 0;
  for (let fd = FIRST_NON_STDIO_FD; closed < count; fd++) {
    if (context.wasiImport.fd_close(fd) !== EBADF) {
      closed++;
    } else if (fd >= FIRST_NON_STDIO_FD + count + DESCRIPTOR_GAP_LIMIT) {
      return;
    }
  }
}

async function invoke(module, request) {
  const phases = {};
  const cpuBefore = cpuUsage();
  const start = hrtime.bigint();
  const descriptorsBefore = openDescriptorCount();
  let context;
  let outcome;
  try {
    const [stdin, stdout, stderr] = openStreams(request);
    try {
      const args = [argv0, ...request.args];
      context = newContext({ args, preopens: { ".": request.workdir }, stdin, stdout, stderr });
      outcome = { exit_code: await runCommand(module, context, phases) };
    } finally {
      closeStreams([stdin, stdout, stderr]);
    }
  } catch (error) {
    outcome = { exit_code: null, ...failure(error) };
  }
  if (context !== undefined) {
    releaseContext(context, openDescriptorCount() - descriptorsBefore);
  }
  const wallNs = Number(hrtime.bigint() - start);
  const cpu = cpuUsage(cpuBefore);
  return {
    ...outcome,
    wall_ns: wallNs,
    phases_ns: phases,
    user_s: cpu.user / 1e6,
    sys_s: cpu.system / 1e6,
    max_rss_kib: resourceUsage().maxRSS,
  };
}

let module;
try {
  module = new WebAssembly.Module(readFileSync(modulePath));
} catch (error) {
  answer({ ready: false, error: String(error) });
}
if (module !== undefined) {
  answer({ ready: true });
  // Read through the event loop, so that what V8 and node defer to it (finalising the
  // instances and WASI contexts of past invocations) runs between requests.
  const requests = createInterface({ input: new Socket({ fd: REQUEST_FD, readable: true, writable: false }) });
  for await (const line of requests) {
    answer(await invoke(module, JSON.parse(line)));
  }
}
