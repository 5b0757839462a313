"""The warm hosts of wasmtime, Wasmer and WasmEdge (``serve``): a fresh instance per invocation,
their own outputs under concurrency, a trap or a hung invocation leaving the host serving, memory
that stays flat over 1,000 invocations; and their cold runs reading the request body as stdin.
A runtime that is not here is skipped with the reason."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from wat_modules import COUNTER, COUNTER_FRESH_OUTPUT, ECHO, HANGING_BODY, TRAPPING_BODY, wat_module

from wasmbench.errors import WasmbenchError
from wasmbench.runners import wasmedge
from wasmbench.runtimes.registry import runner_classes
from wasmbench.runtimes.runner import Invocation, Prepared, Runner, ServedModule

WARM_MODES = [
    ("wasmtime", "embedded"),
    ("wasmtime", "embedded-aot"),
    ("wasmer", "sdk"),
    ("wasmer", "sdk-cached"),
    ("wasmedge", "interpreter"),
    ("wasmedge", "aot"),
]
# What a host's RSS may grow by over 1,000 invocations after 100 to warm up. wasmtime's and
# WasmEdge's hosts grew by under 200 KiB here: 1 MiB catches an instance's memory kept (64 KiB
# each for the counter) or a leak of 1 KiB per invocation. Wasmer's grew by 7–11 MiB, all of it in
# the SDK's native memory (the host's Python heap stays flat), less with every thousand (about
# 0.5 MiB from the 3,000th to the 4,000th): 24 MiB.
RSS_GROWTH_BOUND_KIB = {"wasmtime": 1024, "wasmedge": 1024, "wasmer": 24 * 1024}


def warm_runner(name: str, mode: str) -> Runner:
    """The runner, or a skip that says why its warm host cannot run here."""
    runner = runner_classes()[name]()
    availability = runner.availability(mode)
    if not availability.available:
        pytest.skip(f"{name}:{mode} is not here: {availability.reason}")
    if name == "wasmedge" and wasmedge.library() is None:
        pytest.skip(f"WasmEdge's C library ({wasmedge.LIBRARY}) is not beside its program")
    return runner


@pytest.fixture(params=WARM_MODES, ids=":".join)
def runtime(request) -> tuple[Runner, str]:
    return warm_runner(*request.param), request.param[1]


def served(runtime: tuple[Runner, str], text: str, folder: Path) -> ServedModule:
    runner, mode = runtime
    folder.mkdir(parents=True, exist_ok=True)
    return runner.serve(runner.prepare(wat_module(folder, text), mode, folder.parent / "cache"))


@pytest.fixture
def echo(runtime, tmp_path) -> Iterator[ServedModule]:
    host = served(runtime, ECHO, tmp_path / "echo")
    yield host
    host.close()


def invocation(tmp_path: Path, name: str, body: bytes | None = None, timeout_s: float = 30.0) -> Invocation:
    """An invocation whose files are all its own (``name``), ``body`` its stdin."""
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    stdin = None
    if body is not None:
        stdin = tmp_path / f"{name}.body"
        stdin.write_bytes(body)
    return Invocation(
        (), workdir, tmp_path / f"{name}.stdout", tmp_path / f"{name}.stderr", timeout_s, stdin=stdin
    )


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.slow
def test_every_invocation_gets_a_fresh_instance(runtime, tmp_path):
    host = served(runtime, COUNTER, tmp_path / "counter")
    try:
        for count in range(5):
            outcome = host.invoke(invocation(tmp_path, f"call{count}"))
            assert outcome.exit_code == 0 and outcome.error is None and outcome.trap is None
            assert (tmp_path / f"call{count}.stdout").read_bytes() == COUNTER_FRESH_OUTPUT
    finally:
        host.close()


@pytest.mark.slow
def test_concurrent_requests_to_two_hosts_get_their_own_outputs(runtime, tmp_path):
    hosts: queue.Queue[ServedModule] = queue.Queue()
    for index in range(2):
        hosts.put(served(runtime, ECHO, tmp_path / f"echo{index}"))

    def invoke(index: int) -> bytes:
        host = hosts.get()  # one invocation at a time per host: the front's pool does the same
        try:
            call = invocation(tmp_path, f"request{index}", b"body %d " % index * (index + 1))
            assert host.invoke(call).exit_code == 0
            return call.stdout.read_bytes()
        finally:
            hosts.put(host)

    try:
        with ThreadPoolExecutor(8) as pool:
            outputs = list(pool.map(invoke, range(8)))
    finally:
        while not hosts.empty():
            hosts.get().close()
    assert outputs == [b"body %d " % index * (index + 1) for index in range(8)]


@pytest.mark.slow
def test_a_trap_leaves_the_host_serving_the_next_invocation(echo, tmp_path):
    (pid,) = echo.pids()
    trapped = echo.invoke(invocation(tmp_path, "trap", TRAPPING_BODY))
    assert trapped.trap and trapped.exit_code is None and trapped.error is None
    assert echo.invoke(invocation(tmp_path, "next", b"fine")).exit_code == 0
    assert (tmp_path / "next.stdout").read_bytes() == b"fine"
    assert echo.pids() == [pid]


@pytest.mark.slow
def test_a_hung_invocation_is_killed_at_its_timeout_and_a_warm_host_serves_the_next(echo, tmp_path):
    hung = echo.invoke(invocation(tmp_path, "hang", HANGING_BODY, timeout_s=0.5))
    assert hung.timed_out and hung.exit_code is None
    assert echo.invoke(invocation(tmp_path, "next", b"fine")).exit_code == 0
    assert (tmp_path / "next.stdout").read_bytes() == b"fine"


@pytest.mark.slow
def test_a_hosts_memory_stays_flat_over_a_thousand_invocations(runtime, tmp_path):
    host = served(runtime, COUNTER, tmp_path / "counter")
    try:
        call = invocation(tmp_path, "call")
        for _ in range(100):
            host.invoke(call)
        (pid,) = host.pids()
        before, files = rss_kib(pid), open_files(pid)
        for _ in range(1000):
            assert host.invoke(call).exit_code == 0
        growth = rss_kib(pid) - before
        assert open_files(pid) == files
    finally:
        host.close()
    print(f"{runtime[0].declaration.name}:{runtime[1]}: RSS growth over 1,000 invocations: {growth} KiB")
    assert growth <= RSS_GROWTH_BOUND_KIB[runtime[0].declaration.name]


def test_a_mode_without_a_warm_host_says_so(tmp_path):
    artefact = wat_module(tmp_path, COUNTER)
    with pytest.raises(WasmbenchError, match="wasmtime:jit has no warm host"):
        runner_classes()["wasmtime"]().serve(Prepared(artefact, "jit", artefact.path))


def test_wasmedge_without_its_c_library_has_no_warm_host(tmp_path, monkeypatch):
    monkeypatch.setattr(wasmedge, "library", lambda: None)
    artefact = wat_module(tmp_path, COUNTER)
    with pytest.raises(WasmbenchError, match=r"needs libwasmedge\.so"):
        wasmedge.WasmEdgeRunner().serve(Prepared(artefact, "interpreter", artefact.path))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "mode"), [("wasmtime", "embedded"), ("wasmer", "sdk")], ids=":".join)
def test_a_cold_run_reads_the_request_body_on_its_stdin(name, mode, tmp_path):
    runner = warm_runner(name, mode)
    prepared = runner.prepare(wat_module(tmp_path, ECHO), mode, tmp_path / "cache")
    try:
        outcome = runner.run(prepared, invocation(tmp_path, "cold", b"request body"))
    finally:
        runner.close()
    assert outcome.exit_code == 0 and (tmp_path / "cold.stdout").read_bytes() == b"request body"
