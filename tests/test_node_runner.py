"""V8 through Node.js's WASI: versions of both, the script's phase times, the baseline mode's V8
flags, a trap's message, and the warm host (a fresh instance per invocation, a pool of hosts,
traps, timeouts, flat memory). What every wasm runtime must do is in test_wasm_runtimes.py."""

from pathlib import Path

import pytest
from warm_hosts import growth_over_a_thousand, invoke_from_threads, request
from wat_modules import COUNTER, COUNTER_FRESH_OUTPUT, ECHO, ECHO_UNLESS_TOLD, HELLO, TRAP, wat_module

from wasmbench.errors import WasmbenchError
from wasmbench.runners.node import NodeRunner, phase_report
from wasmbench.runtimes.runner import Invocation

NODE = NodeRunner().availability("default")
installed = pytest.mark.skipif(not NODE.available, reason=f"node cannot run here: {NODE.reason}")
# How much a warm host's resident memory may grow over 1,000 invocations once V8 has sized its
# heap. From a fresh host it grows by about 20 MB over the first thousand and 30 MB in all, as V8's
# young generation grows to its largest semi-spaces (16 MiB each), then stays flat (85 MB at
# 5,000, 7,000 and 10,000 invocations of the counter module): that is V8's sizing, not a leak.
# Measured after 2,000 invocations: 2.3 MB over the next 1,000.
WARM_UP_INVOCATIONS = 2000
RSS_GROWTH_BOUND_KIB = 8 * 1024


def run(tmp_path: Path, text: str, mode: str = "default"):
    (tmp_path / "work").mkdir(exist_ok=True)
    invocation = Invocation((), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", 30.0)
    runner = NodeRunner()
    return runner.run(runner.prepare(wat_module(tmp_path, text), mode, tmp_path), invocation)


@installed
def test_the_versions_of_node_and_v8_are_recorded():
    versions = NodeRunner().version()
    assert set(versions) == {"node", "v8"}
    assert all(version[0].isdigit() for version in versions.values())


@pytest.mark.slow
@installed
@pytest.mark.parametrize("mode", NodeRunner.declaration.declared_mode_names)
def test_a_run_reports_the_scripts_phases_and_only_the_modules_output(tmp_path, mode):
    outcome = run(tmp_path, HELLO, mode)
    assert (tmp_path / "stdout").read_text() == "hello\n"
    assert (tmp_path / "stderr").read_text() == ""  # no ExperimentalWarning
    assert outcome.exit_code == 0 and outcome.error is None
    assert set(outcome.phases_ns) == {"compile", "instantiate", "execute"}
    assert sum(outcome.phases_ns.values()) <= outcome.usage.wall_ns


def test_baseline_keeps_liftoffs_code_optimizing_skips_it_and_default_tiers_up():
    declaration = NodeRunner.declaration
    assert declaration.mode("baseline").flags[-2:] == ("--liftoff", "--no-wasm-tier-up")
    assert declaration.mode("optimizing").flags[-1] == "--no-liftoff"
    assert not {"--liftoff", "--no-liftoff", "--no-wasm-tier-up"} & set(declaration.mode("default").flags)
    assert all("--no-turbo-fast-api-calls" in mode.flags for mode in declaration.modes)


@pytest.mark.slow
@installed
def test_the_flags_go_to_node_before_the_script(tmp_path):
    runner = NodeRunner()
    (tmp_path / "work").mkdir()
    invocation = Invocation(("7",), tmp_path / "work", tmp_path / "stdout", tmp_path / "stderr", 30.0)
    prepared = runner.prepare(wat_module(tmp_path, HELLO), "baseline", tmp_path)
    command = runner.command(prepared, invocation)
    flags_end = 1 + len(prepared.flags)
    assert tuple(command[1:flags_end]) == prepared.flags == NodeRunner.declaration.mode("baseline").flags
    assert command[flags_end].endswith("node_wasi.mjs")
    assert command[flags_end + 1 :] == [str(phase_report(invocation)), str(prepared.path), "module", "7"]


@pytest.mark.slow
@installed
def test_a_trap_is_reported_by_its_message(tmp_path):
    outcome = run(tmp_path, TRAP)
    assert outcome.trap == "wasm trap: unreachable"
    assert outcome.error is None and outcome.exit_code == 1


def test_a_node_older_than_18_17_is_skipped_with_the_reason(tmp_path, monkeypatch):
    """node:wasi takes ``version: "preview1"`` from 18.17 on."""
    node = tmp_path / "node"
    node.write_text("#!/bin/sh\necho v18.16.1\n")
    node.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    availability = NodeRunner().availability("default")
    assert not availability.available
    assert availability.reason == "node 18.16.1 is older than 18.17" and "nodejs" in availability.hint


@pytest.fixture
def serve(tmp_path):
    """A warm node host of a module given as text, closed after the test."""
    hosts = []

    def serve(text: str, mode: str = "default", *, count: int = 1) -> list:
        runner = NodeRunner()
        prepared = runner.prepare(wat_module(tmp_path, text), mode, tmp_path)
        hosts.extend(runner.serve(prepared) for _ in range(count))
        return hosts[-count:]

    yield serve
    for host in hosts:
        host.close()


@pytest.mark.slow
@installed
@pytest.mark.parametrize("mode", NodeRunner.declaration.mode_names)
def test_every_warm_invocation_is_a_fresh_instance(serve, tmp_path, mode):
    (host,) = serve(COUNTER, mode)
    for index in range(3):
        invocation = request(tmp_path / str(index))
        outcome = host.invoke(invocation)
        assert (outcome.exit_code, outcome.error, outcome.trap) == (0, None, None)
        assert invocation.stdout.read_bytes() == COUNTER_FRESH_OUTPUT
        assert invocation.stderr.read_bytes() == b""
        assert set(outcome.phases_ns) == {"instantiate", "execute"}
        assert outcome.usage.max_rss_kib > 0


@pytest.mark.slow
@installed
def test_concurrent_invocations_on_a_pool_of_hosts_get_their_own_bodies(serve, tmp_path):
    bodies = [b"request %d " % index * (index + 1) for index in range(8)]
    answers = invoke_from_threads(serve(ECHO, count=2), tmp_path, bodies)
    assert [stdout for _, stdout in answers] == bodies
    assert all(outcome.exit_code == 0 for outcome, _ in answers)


@pytest.mark.slow
@installed
def test_a_trap_ends_only_its_invocation(serve, tmp_path):
    (host,) = serve(ECHO_UNLESS_TOLD)
    pid = host.pids()
    outcome = host.invoke(request(tmp_path / "trap", b"!"))
    assert outcome.trap == "wasm trap: unreachable" and outcome.exit_code is None
    after = request(tmp_path / "next", b"next")
    assert host.invoke(after).exit_code == 0 and after.stdout.read_bytes() == b"next"
    assert host.pids() == pid and host.restarts == 0


@pytest.mark.slow
@installed
def test_a_hung_invocation_is_killed_at_its_timeout_and_the_host_goes_on(serve, tmp_path):
    (host,) = serve(ECHO_UNLESS_TOLD)
    outcome = host.invoke(request(tmp_path / "hang", b"~", timeout_s=0.5))
    assert outcome.timed_out and host.restarts == 1
    after = request(tmp_path / "next", b"next")
    assert host.invoke(after).exit_code == 0 and after.stdout.read_bytes() == b"next"


@pytest.mark.slow
@installed
def test_the_hosts_memory_and_descriptors_stay_flat_over_a_thousand_invocations(serve, tmp_path):
    (host,) = serve(COUNTER)
    growth, descriptors = growth_over_a_thousand(host, tmp_path, WARM_UP_INVOCATIONS)
    assert growth <= RSS_GROWTH_BOUND_KIB
    assert descriptors == 0


@pytest.mark.slow
@installed
def test_a_cold_run_reads_the_body_as_its_stdin(tmp_path):
    runner = NodeRunner()
    invocation = request(tmp_path, b"body")
    runner.run(runner.prepare(wat_module(tmp_path, ECHO), "default", tmp_path), invocation)
    assert invocation.stdout.read_bytes() == b"body"


@installed
def test_a_host_whose_module_does_not_compile_says_why(tmp_path):
    runner = NodeRunner()
    artefact = wat_module(tmp_path, HELLO)
    artefact.path.write_bytes(b"not wasm")
    with pytest.raises(WasmbenchError, match="node host did not start: CompileError"):
        runner.serve(runner.prepare(artefact, "default", tmp_path))
