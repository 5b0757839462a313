"""The warm hosts of wasmtime, Wasmer and WasmEdge (``serve``): a fresh instance per invocation,
their own outputs under concurrency, a trap or a hung invocation leaving the host serving, memory
and open files that stay flat over 1,000 invocations; and their cold runs reading the request body
as stdin. A runtime that is not here is skipped with the reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from warm_hosts import growth_over_a_thousand, invoke_from_threads, request
from wat_modules import COUNTER, COUNTER_FRESH_OUTPUT, ECHO, ECHO_UNLESS_TOLD, wat_module

from wasmbench.errors import WasmbenchError
from wasmbench.runners import wasmedge
from wasmbench.runtimes.registry import runner_classes
from wasmbench.runtimes.runner import Prepared, Runner, ServedModule

WARM_MODES = [
    ("wasmtime", "embedded"),
    ("wasmtime", "embedded-aot"),
    ("wasmer", "sdk"),
    ("wasmer", "sdk-cached"),
    ("wasmedge", "interpreter"),
    ("wasmedge", "jit"),
    ("wasmedge", "aot"),
]
WARM_UP_INVOCATIONS = 100
# What a host's RSS may grow by over 1,000 invocations after 100 to warm up. wasmtime's and
# WasmEdge's hosts grew by under 200 KiB here: 1 MiB catches an instance's memory kept (64 KiB
# each for the counter) or a leak of 1 KiB per invocation. Wasmer's grew by 7–11 MiB, all of it in
# the SDK's native memory (the host's Python heap stays flat), less with every thousand (about
# 0.5 MiB from the 3,000th to the 4,000th): 24 MiB.
RSS_GROWTH_BOUND_KIB = {"wasmtime": 1024, "wasmedge": 1024, "wasmer": 24 * 1024}

Serve = Callable[..., list[ServedModule]]


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


@pytest.fixture
def serve(runtime, tmp_path) -> Iterator[Serve]:
    """``serve(text, count=1)``: that many warm hosts of the module, all closed after the test."""
    runner, mode = runtime
    hosts: list[ServedModule] = []

    def served(text: str, count: int = 1) -> list[ServedModule]:
        folder = tmp_path / f"module-{len(hosts)}"
        folder.mkdir()
        prepared = runner.prepare(wat_module(folder, text), mode, folder / "cache")
        hosts.extend(runner.serve(prepared) for _ in range(count))
        return hosts[-count:]

    yield served
    for host in hosts:
        host.close()


@pytest.mark.slow
def test_every_invocation_gets_a_fresh_instance(serve, tmp_path):
    (host,) = serve(COUNTER)
    for count in range(5):
        invocation = request(tmp_path / f"call-{count}")
        outcome = host.invoke(invocation)
        assert outcome.exit_code == 0 and outcome.error is None and outcome.trap is None
        assert invocation.stdout.read_bytes() == COUNTER_FRESH_OUTPUT


@pytest.mark.slow
def test_concurrent_invocations_on_a_pool_of_hosts_get_their_own_bodies(serve, tmp_path):
    bodies = [b"request %d " % index * (index + 1) for index in range(8)]
    answers = invoke_from_threads(serve(ECHO, count=2), tmp_path, bodies)
    assert [stdout for _, stdout in answers] == bodies
    assert all(outcome.exit_code == 0 for outcome, _ in answers)


@pytest.mark.slow
def test_a_trap_ends_only_its_invocation(serve, tmp_path):
    (host,) = serve(ECHO_UNLESS_TOLD)
    pid = host.pids()
    outcome = host.invoke(request(tmp_path / "trap", b"!"))
    assert outcome.trap and outcome.exit_code is None and outcome.error is None
    after = request(tmp_path / "next", b"next")
    assert host.invoke(after).exit_code == 0 and after.stdout.read_bytes() == b"next"
    assert host.pids() == pid and host.restarts == 0


@pytest.mark.slow
def test_a_hung_invocation_is_killed_at_its_timeout_and_the_host_goes_on(serve, tmp_path):
    (host,) = serve(ECHO_UNLESS_TOLD)
    outcome = host.invoke(request(tmp_path / "hang", b"~", timeout_s=0.5))
    assert outcome.timed_out and host.restarts == 1
    after = request(tmp_path / "next", b"next")
    assert host.invoke(after).exit_code == 0 and after.stdout.read_bytes() == b"next"


@pytest.mark.slow
def test_the_hosts_memory_and_descriptors_stay_flat_over_a_thousand_invocations(serve, runtime, tmp_path):
    (host,) = serve(COUNTER)
    growth, descriptors = growth_over_a_thousand(host, tmp_path, WARM_UP_INVOCATIONS)
    runtime_name = runtime[0].declaration.name
    print(f"{runtime_name}:{runtime[1]}: RSS growth over 1,000 invocations: {growth} KiB")
    assert growth <= RSS_GROWTH_BOUND_KIB[runtime_name]
    assert descriptors == 0


def test_a_mode_without_a_warm_host_says_so(tmp_path):
    artefact = wat_module(tmp_path, COUNTER)
    with pytest.raises(WasmbenchError, match="wasmtime:jit has no warm host"):
        runner_classes()["wasmtime"]().serve(Prepared(artefact, "jit", artefact.path))


def test_wasmedge_without_its_c_library_has_no_warm_host(tmp_path, monkeypatch):
    monkeypatch.setattr(wasmedge, "library", lambda program: None)
    artefact = wat_module(tmp_path, COUNTER)
    with pytest.raises(WasmbenchError, match=r"needs libwasmedge\.so"):
        wasmedge.WasmEdgeRunner().serve(Prepared(artefact, "interpreter", artefact.path))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "mode"), [("wasmtime", "embedded"), ("wasmer", "sdk")], ids=":".join)
def test_a_cold_run_reads_the_request_body_on_its_stdin(name, mode, tmp_path):
    runner = warm_runner(name, mode)
    prepared = runner.prepare(wat_module(tmp_path, ECHO), mode, tmp_path / "cache")
    invocation = request(tmp_path, b"request body")
    try:
        outcome = runner.run(prepared, invocation)
    finally:
        runner.close()
    assert outcome.exit_code == 0 and invocation.stdout.read_bytes() == b"request body"
