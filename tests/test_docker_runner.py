"""The Docker runner against the real engine: images, both modes, the working directory, output
files, exit status, cgroup measurements, timeouts and leftovers; the request body as stdin, and
``exec`` served warm (one container, an exec per invocation).

Skipped with the reason where no engine answers (run ``wasmbench setup docker``); in CI (``CI``
set, as ``.ci/run`` does after setting the engine up) a missing engine is a failure instead.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import docker
import pytest
from strays import STRAY_CHILD, processes_with, unique_marker
from warm_hosts import invoke_from_threads, request

from wasmbench.build.manifest import Workload
from wasmbench.build.toolchain import Toolchain
from wasmbench.errors import WasmbenchError
from wasmbench.measuring.measurement import Status, validate
from wasmbench.runners.docker import DockerRunner
from wasmbench.runners.docker.containers import OWNER_LABEL
from wasmbench.runners.docker.engine import wasm_shims
from wasmbench.runners.docker.image import LABEL, shared_libraries
from wasmbench.runners.docker.warm import mirrored
from wasmbench.runtimes.runner import Invocation, Prepared

PROBE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "spin") == 0) for (;;) {}
    char line[64] = "";
    FILE *in = fopen("input.txt", "r");
    if (in) { fgets(line, sizeof line, in); fclose(in); }
    FILE *out = fopen("written.txt", "w");
    if (out) { fputs("from the container\n", out); fclose(out); }
    printf("read: %s", line);
    char body[4096];
    size_t length;
    while ((length = fread(body, 1, sizeof body, stdin)) > 0) fwrite(body, 1, length, stdout);
    fputs("to stderr\n", stderr);
    return argc > 1 ? atoi(argv[1]) : 0;
}
"""


def engine_runner() -> DockerRunner:
    runner = DockerRunner()
    availability = runner.availability("run")
    if not availability.available:
        message = f"Docker runner unavailable: {availability.reason} ({availability.hint})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return runner


@pytest.fixture(scope="module")
def runner():
    runner = engine_runner()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probe")
    source = folder / "probe.c"
    source.write_text(PROBE)
    workload = Workload("probe", "probe", "", source, (), {})
    return Toolchain(root=folder / "cache").build(workload, "native")


def invocation(tmp_path: Path, *args: str, timeout_s: float = 60.0, body: bytes | None = None) -> Invocation:
    return request(tmp_path, body, *args, timeout_s=timeout_s)


def our_containers(runner: DockerRunner) -> list:
    owner = f"{OWNER_LABEL}={runner.containers.owner}"
    return runner.client.containers.list(all=True, filters={"label": owner})


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["run", "exec"])
def test_runs_the_program_in_its_workdir_with_output_status_and_cgroup_figures(runner, probe, tmp_path, mode):
    prepared = runner.prepare(probe, mode, tmp_path)
    run = invocation(tmp_path, "3")
    (run.workdir / "input.txt").write_text("hello\n")

    outcome = runner.run(prepared, run)

    assert outcome.error is None
    assert outcome.exit_code == 3
    assert run.stdout.read_text() == "read: hello\n"
    assert run.stderr.read_text() == "to stderr\n"
    assert (run.workdir / "written.txt").read_text() == "from the container\n"
    assert outcome.usage.wall_ns > 0
    assert outcome.usage.user_s + outcome.usage.sys_s > 0
    assert outcome.usage.max_rss_kib > 0


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["run", "exec"])
def test_a_hung_program_times_out_and_no_container_is_left(runner, probe, tmp_path, mode):
    prepared = runner.prepare(probe, mode, tmp_path)

    outcome = runner.run(prepared, invocation(tmp_path, "spin", timeout_s=1.0))
    runner.close()

    assert outcome.timed_out
    assert our_containers(runner) == []


@pytest.mark.slow
def test_the_exec_container_is_reused_then_stopped_by_close(runner, probe, tmp_path):
    prepared = runner.prepare(probe, "exec", tmp_path)
    run = invocation(tmp_path)

    for _ in range(3):
        assert runner.run(prepared, run).exit_code == 0
    assert len(our_containers(runner)) == 1
    runner.close()
    assert our_containers(runner) == []


@pytest.mark.slow
def test_validated_like_any_runner(runner, probe, tmp_path):
    from wasmbench.build.manifest import SizeSpec

    run = invocation(tmp_path)
    expected = SizeSpec((), hashlib.sha256(b"read: ").hexdigest(), 6)
    measurement = validate(
        runner.run(runner.prepare(probe, "run", tmp_path), run), run.stdout, run.stderr, expected
    )
    assert measurement.status is Status.OK


@pytest.mark.slow
def test_the_image_holds_the_native_artefact_byte_for_byte_and_is_reused(runner, probe, tmp_path):
    runner.prepare(probe, "run", tmp_path)
    again = runner.prepare(probe, "exec", tmp_path)
    tag = runner._images[probe.sha256]
    image = runner.client.images.get(tag)
    container = runner.client.api.create_container(tag)["Id"]
    try:
        archive, _ = runner.client.api.get_archive(container, f"/{probe.path.name}")
        with tarfile.open(fileobj=io.BytesIO(b"".join(archive))) as tar:
            inside = tar.extractfile(probe.path.name).read()  # type: ignore[union-attr]
    finally:
        runner.client.api.remove_container(container, force=True)

    assert again.cached
    assert hashlib.sha256(inside).hexdigest() == probe.sha256
    assert image.labels[LABEL] == "1"
    assert tag.startswith("wasmbench/probe:")


@pytest.mark.slow
def test_clean_removes_our_images(runner, probe, tmp_path):
    runner.prepare(probe, "run", tmp_path)
    tag = runner._images[probe.sha256]

    assert tag in runner.clean()
    with pytest.raises(docker.errors.ImageNotFound):
        runner.client.images.get(tag)


@pytest.mark.slow
def test_the_image_gets_the_loader_and_libraries_ldd_names(probe):
    names = {library.name for library in shared_libraries(probe.path)}
    assert any(name.startswith("libc.so") for name in names)
    assert any(name.startswith("ld-linux") for name in names)


def test_docker_wasm_needs_a_wasm_shim(runner):
    assert wasm_shims(["runc", "io.containerd.runc.v2"]) == []
    assert wasm_shims(["runc", "io.containerd.wasmedge.v1"]) == ["io.containerd.wasmedge.v1"]
    availability = runner.availability("docker-wasm")
    shims = wasm_shims(runner.client.info().get("Runtimes", {}))
    assert availability.available == bool(shims)
    if not shims:
        assert "advertises no WebAssembly runtime" in availability.reason


def test_an_unreachable_daemon_is_skipped_with_the_reason_and_how_to_start_it(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nobody.sock")
    availability = DockerRunner().availability("run")
    assert not availability.available
    assert "no Docker daemon answers" in availability.reason
    assert "wasmbench setup docker" in availability.hint


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_suite_stopped_mid_run_leaves_no_container(runner, tmp_path, stop):
    command = [sys.executable, "-m", "wasmbench", "run", "-r", "docker", "-w", "nbody", "--size", "default"]
    suite = subprocess.Popen(
        [*command, "-o", "results/stopped.json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # `&` in a shell ignores it
    )
    owner = f"{OWNER_LABEL}={socket.gethostname()}:{suite.pid}"
    deadline = time.monotonic() + 120
    while not runner.client.containers.list(filters={"label": owner}):  # a run in flight
        assert time.monotonic() < deadline and suite.poll() is None
        time.sleep(0.05)
    suite.send_signal(stop)
    output, _ = suite.communicate(timeout=120)

    assert suite.returncode == 130, output.decode()[-2000:]
    # stopped during the warmup round: nothing was measured, so no journal is left to resume
    assert b"interrupted before the first measurement: nothing to keep" in output
    assert not list((tmp_path / "results").glob("stopped.*"))
    assert runner.client.containers.list(all=True, filters={"label": owner}) == []


@pytest.mark.slow
def test_containers_of_a_harness_that_is_gone_are_swept_by_the_next(runner, probe, tmp_path):
    runner.prepare(probe, "run", tmp_path)
    gone = subprocess.Popen(["true"])
    gone.wait()
    labels = {LABEL: "1", OWNER_LABEL: f"{socket.gethostname()}:{gone.pid}"}
    left = runner.client.api.create_container(runner._images[probe.sha256], labels=labels)["Id"]

    DockerRunner().client  # noqa: B018 (a new harness's first use of the engine sweeps)

    assert not runner.client.containers.list(all=True, filters={"id": left})


@pytest.fixture(scope="module")
def stray_child(tmp_path_factory):
    return Toolchain(root=tmp_path_factory.mktemp("stray") / "cache").build(STRAY_CHILD, "native")


@pytest.mark.slow
@pytest.mark.parametrize("where", ["group", "session"])
@pytest.mark.parametrize("mode", ["run", "exec"])
def test_a_child_left_running_ends_with_the_run(runner, stray_child, tmp_path, mode, where):
    prepared = runner.prepare(stray_child, mode, tmp_path)
    marker = unique_marker()

    outcome = runner.run(prepared, invocation(tmp_path, where, marker))

    assert (outcome.error, outcome.exit_code) == (None, 0)
    assert processes_with(marker) == []
    # A fresh container's PID namespace ends with its program, taking the child with it unseen;
    # the long-lived one of exec mode would keep it, so the runner kills it and counts it.
    assert outcome.stray_processes == (1 if mode == "exec" else 0)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["run", "exec"])
def test_the_body_is_the_programs_stdin(runner, probe, tmp_path, mode):
    run = invocation(tmp_path, body=b"the body\n" * 10_000)
    outcome = runner.run(runner.prepare(probe, mode, tmp_path), run)
    assert outcome.exit_code == 0
    assert run.stdout.read_bytes() == b"read: " + b"the body\n" * 10_000


@pytest.fixture
def warm(runner, probe, tmp_path):
    """``docker:exec`` of the probe served warm, closed after the test; the only container of ours."""
    runner.close()
    served = runner.serve(runner.prepare(probe, "exec", tmp_path))
    yield served
    served.close()


@pytest.mark.slow
def test_a_warm_container_serves_every_invocation_in_its_own_workdir(runner, warm, tmp_path):
    (container,) = our_containers(runner)
    for index in range(3):
        run = invocation(tmp_path / str(index), str(index), body=b"body %d" % index)
        (run.workdir / "input.txt").write_text(f"input {index}\n")
        outcome = warm.invoke(run)
        assert (outcome.error, outcome.exit_code) == (None, index)
        assert run.stdout.read_bytes() == b"read: input %d\nbody %d" % (index, index)
        assert (run.workdir / "written.txt").read_text() == "from the container\n"
        assert outcome.usage.user_s + outcome.usage.sys_s > 0
    assert [box.id for box in our_containers(runner)] == [container.id]
    assert warm.restarts == 0


@pytest.mark.slow
def test_a_warm_containers_processes_are_its_init_and_shim(runner, warm):
    init, shim = warm.pids()
    (container,) = our_containers(runner)
    assert init == container.attrs["State"]["Pid"]
    assert Path(f"/proc/{shim}/comm").read_text().startswith("containerd-shim")
    warm.close()
    assert warm.pids() == [] and our_containers(runner) == []


@pytest.mark.slow
def test_warm_containers_from_threads_answer_their_own_bodies(runner, probe, tmp_path):
    prepared = runner.prepare(probe, "exec", tmp_path)
    pool = [runner.serve(prepared) for _ in range(2)]
    bodies = [b"request %d " % index * (index + 1) for index in range(8)]
    try:
        answers = invoke_from_threads(pool, tmp_path, bodies)
    finally:
        for served in pool:
            served.close()
    assert [stdout for _, stdout in answers] == [b"read: " + body for body in bodies]


@pytest.mark.slow
def test_a_hung_invocation_replaces_the_warm_container_and_it_goes_on(runner, warm, tmp_path):
    (first,) = our_containers(runner)
    outcome = warm.invoke(invocation(tmp_path / "hung", "spin", timeout_s=1.0))
    assert outcome.timed_out and warm.restarts == 1
    after = invocation(tmp_path / "next", body=b"next")
    assert warm.invoke(after).exit_code == 0 and after.stdout.read_bytes() == b"read: next"
    assert [box.id for box in our_containers(runner)] != [first.id]
    assert len(our_containers(runner)) == 1


@pytest.mark.slow
def test_a_failed_invocation_leaves_the_warm_container_serving(warm, tmp_path):
    assert warm.invoke(invocation(tmp_path / "failed", "7")).exit_code == 7
    assert warm.invoke(invocation(tmp_path / "next")).exit_code == 0
    assert warm.restarts == 0


def test_only_exec_is_served_warm(runner, probe, tmp_path):
    assert [mode.name for mode in DockerRunner.declaration.modes if mode.warm] == ["exec"]
    with pytest.raises(WasmbenchError, match="docker:run has no warm host"):
        runner.serve(Prepared(probe, "run", probe.path))


def test_a_workdir_is_mirrored_for_an_invocation_and_what_it_created_moved_back(tmp_path):
    workdir, mirror = tmp_path / "work", tmp_path / "mirror"
    (workdir / "inputs").mkdir(parents=True)
    (workdir / "inputs" / "weights").write_text("weights")
    (workdir / "input.txt").write_text("input")
    mirror.mkdir()
    with mirrored(workdir, mirror):
        assert (mirror / "inputs" / "weights").read_text() == "weights"
        assert (mirror / "input.txt").stat().st_ino == (workdir / "input.txt").stat().st_ino
        (mirror / "written.txt").write_text("output")
        (mirror / "folder").mkdir()
    assert (workdir / "written.txt").read_text() == "output" and (workdir / "folder").is_dir()
    assert list(mirror.iterdir()) == []
    assert sorted(path.name for path in workdir.iterdir()) == ["folder", "input.txt", "inputs", "written.txt"]
