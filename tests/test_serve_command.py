"""``wasmbench serve`` as a program: its options, its ready line, where it listens, how it stops,
and real workloads served cold (a fresh process per invocation) answering HTTP requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from wasmbench.cli import EXIT_USAGE, main
from wasmbench.commands import serve
from wasmbench.runners.native import NativeRunner
from wasmbench.runtimes.runner import Availability

# serving MODE WORKLOAD on http://HOST:PORT/invoke (PATH, N instances, size S)
READY = re.compile(
    r"^serving (\S+) (\S+) on (http://(\S+):(\d+)/invoke) "
    r"\((warm|cold|front-only), (\d+) instances, size (\w+)\)$"
)


class Server:
    def __init__(self, process: subprocess.Popen, ready: re.Match) -> None:
        self.process, self.ready = process, ready
        self.url = ready.group(3)

    def post(self, body: bytes = b"", url: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(url or self.url, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@contextmanager
def serving(*args: str) -> Iterator[Server]:
    """``wasmbench serve ARGS --port 0`` started, its ready line read; stopped (SIGTERM) after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wasmbench", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().rstrip("\n")
        ready = READY.match(line)
        assert ready, f"not a ready line: {line!r}; stderr: {process.stderr.read() if not line else ''}"
        yield Server(process, ready)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def outside_address() -> str | None:
    """An address of this machine other than loopback (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_ready_line_names_what_is_served_and_the_front_echoes_without_a_runtime():
    with serving("--front-only", "--instances", "3", "--size", "test") as server:
        assert server.ready.group(1, 2, 4, 6, 7, 8) == (
            "front-only",
            "echo",
            "127.0.0.1",
            "front-only",
            "3",
            "test",
        )
        assert server.post(b"ping") == (200, b"ping")
        assert server.post(b"") == (200, b"")


def test_it_listens_on_loopback_only_without_bind():
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with serving("--front-only") as server:
        port = int(server.ready.group(5))
        with pytest.raises(ConnectionRefusedError), socket.create_connection((address, port), timeout=5):
            pass
        assert server.post(b"x")[0] == 200


def test_bind_listens_elsewhere_with_a_warning():
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with serving("--front-only", "--bind", "0.0.0.0") as server:
        port = server.ready.group(5)
        assert server.post(b"x", url=f"http://{address}:{port}/invoke") == (200, b"x")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert "warning: listening on 0.0.0.0" in server.process.stderr.read()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_with_exit_status_0(signum):
    with serving("--front-only") as server:
        server.process.send_signal(signum)
        assert server.process.wait(timeout=30) == 0
        assert server.process.stdout.read() == ""  # nothing on stdout but the ready line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", "nosuch", "-w", "nop"], "unknown runtime 'nosuch'"),
        (["-r", "native:nosuch", "-w", "nop"], "runtime 'native' has no mode 'nosuch'"),
        (["-r", "native", "-w", "nosuch"], "unknown workload nosuch"),
        (["-r", "native", "-w", "nop", "--path", "warm"], "native:default has no warm host"),
        (["-w", "nop"], "serve needs a mode and a workload"),
        (["-r", "native", "-w", "nop", "--timeout", "0"], "--timeout must be more than 0"),
    ],
)
def test_bad_options_are_one_line_and_exit_status_2(args, message, capsys):
    assert main(["serve", *args]) == EXIT_USAGE
    error = capsys.readouterr().err.strip()
    assert error.startswith("wasmbench: error: ") and message in error and "\n" not in error


def test_a_mode_unavailable_here_says_why_and_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setattr(
        NativeRunner, "availability", lambda self, mode: Availability.no("no cc", "apt-get cc")
    )
    assert main(["serve", "-r", "native", "-w", "nop"]) == EXIT_USAGE
    assert "native:default cannot run here: no cc (install: apt-get cc)" in capsys.readouterr().err


def test_a_runtime_named_alone_is_served_by_its_first_warm_mode_else_its_default():
    assert serve._default_mode(NativeRunner()) == "default"


@pytest.mark.slow
def test_native_nop_served_cold_answers_each_request_with_its_output():
    with serving("-r", "native", "-w", "nop", "--size", "test") as server:
        assert server.ready.group(1, 6) == ("native:default", "cold")
        for _ in range(3):
            assert server.post() == (200, b"wasmbench nop\n")
        pid = server.process.pid
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert children(pid) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("hey") is None, reason="hey is not installed (wasmbench setup tools)")
def test_wasmtime_embedded_nbody_served_cold_answers_curl_and_hey_without_errors():
    expected = b"-0.169075164\n-0.169087605\n"
    with serving("-r", "wasmtime:embedded", "-w", "nbody", "--size", "test", "--path", "cold") as server:
        assert server.post() == (200, expected)
        curl = subprocess.run(
            ["curl", "-sS", "-X", "POST", "--data-binary", "@/dev/null", server.url],
            capture_output=True,
            check=True,
        )
        assert curl.stdout == expected
        hey = subprocess.run(
            ["hey", "-n", "40", "-c", "2", "-m", "POST", "-D", "/dev/null", server.url],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "[200]\t40 responses" in hey.stdout and "Error distribution" not in hey.stdout


@pytest.mark.slow
def test_inference_served_classifies_a_posted_photo_as_json_validated_by_the_reference(tmp_path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "astronaut.jpg"
    Image.fromarray(data.astronaut()).save(photo, quality=90)
    with serving("-r", "native", "-w", "inference", "--size", "test", "--instances", "1") as server:
        code, body = server.post(photo.read_bytes())
        assert code == 200, body
        (image,) = json.loads(body)["images"]
        assert image["image"] == "request.ppm" and len(image["classes"]) == 5
        assert image["sentence"].startswith("It ")
        code, body = server.post()  # no photo: the size's own, judged as its runs are
        assert code == 200 and [i["image"] for i in json.loads(body)["images"]] == [
            "coffee.ppm",
            "chelsea.ppm",
        ]
        assert server.post(b"not a photo")[0] == 400
        assert os.path.exists(f"/proc/{server.process.pid}")


@pytest.mark.slow
def test_wasmtime_nop_served_warm_by_its_hosts_which_end_with_the_server():
    with serving("-r", "wasmtime", "-w", "nop", "--size", "test", "--instances", "2") as server:
        assert server.ready.group(1, 6, 7) == ("wasmtime:embedded+simd", "warm", "2"), "the selected build"
        hosts = children(server.process.pid)
        assert len(hosts) == 2
        for _ in range(5):
            assert server.post(b"ignored") == (200, b"wasmbench nop\n")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
    for pid in hosts:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.slow
def test_a_signal_during_an_invocation_lets_it_end_by_its_timeout_then_exits_0():
    with serving("-r", "native", "-w", "nbody", "--size", "large", "--timeout", "1") as server:
        with ThreadPoolExecutor(1) as client:
            answer = client.submit(server.post)
            time.sleep(0.3)  # the invocation is under way
            server.process.send_signal(signal.SIGTERM)
            code, body = answer.result(timeout=30)
        assert code == 504 and json.loads(body)["status"] == "timeout"
        assert server.process.wait(timeout=30) == 0
