"""The HTTP front (``serving.front``) around a pool of served modules: status codes, validation,
the pool under concurrent requests, and the metrics, against the channel's echo host and fakes."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from wasmbench.build.checks import ClassificationCheck, ClassifiedImage
from wasmbench.build.inputs import Inputs
from wasmbench.execution.usage import Usage
from wasmbench.runtimes.runner import Invocation, RunOutcome
from wasmbench.serving.channel import HostProcess
from wasmbench.serving.classifier import ImageClassifier
from wasmbench.serving.front import make_app
from wasmbench.serving.function import ECHO, NO_INPUTS, AnyOutput, Function, Program
from wasmbench.serving.pool import Instance, Pool

ECHO_HOST = [sys.executable, str(Path(__file__).with_name("serving_echo_host.py"))]


class Exactly:
    """A check that wants one output."""

    exit_code = 0

    def __init__(self, expected: bytes) -> None:
        self.expected = expected

    def mismatch(self, output: bytes) -> str | None:
        return None if output == self.expected else f"printed {output!r}, expected {self.expected!r}"

    def summary(self, output: bytes) -> str:
        return ""

    @property
    def description(self) -> str:
        return "exactly"


class Crashing:
    """A served module whose every invocation exits with status 3 after printing a complaint."""

    def invoke(self, invocation: Invocation) -> RunOutcome:
        invocation.stderr.write_bytes(b"segfault in the module")
        return RunOutcome(Usage.zero(), exit_code=3)

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        pass


def echo_pool(count: int = 1, function: Function = ECHO, timeout_s: float = 10.0) -> Pool:
    return Pool(
        [Instance(HostProcess(ECHO_HOST, name="echo"), NO_INPUTS, "test") for _ in range(count)],
        function,
        timeout_s,
    )


def exchange(pool: Pool, talk: Callable[[TestClient], Awaitable], max_body: int = 1024):
    """``talk`` to the front of ``pool`` (on a free loopback port); the pool is closed after."""

    async def run():
        async with TestClient(TestServer(make_app(pool, max_body))) as client:
            return await talk(client)

    try:
        return asyncio.run(run())
    finally:
        pool.close()


async def post(client: TestClient, body: bytes = b"") -> tuple[int, bytes]:
    async with client.post("/invoke", data=body) as response:
        return response.status, await response.read()


def test_an_output_that_passes_its_check_is_200_with_the_function_s_stdout():
    pool = echo_pool(function=Program((), Exactly(b"1 HELLO")))
    assert exchange(pool, lambda client: post(client, b"hello")) == (200, b"1 HELLO")


def test_a_wrong_output_is_500_with_its_status_and_reason_as_json():
    pool = echo_pool(function=Program((), Exactly(b"1 HELLO")))
    code, body = exchange(pool, lambda client: post(client, b"bye"))
    assert code == 500
    assert json.loads(body) == {"status": "wrong_output", "reason": "printed b'1 BYE', expected b'1 HELLO'"}


def test_a_crash_is_500_crashed_with_the_exit_status_and_the_end_of_stderr():
    pool = Pool([Instance(Crashing(), NO_INPUTS, "test")], Program((), AnyOutput()), 10.0)
    code, body = exchange(pool, post)
    assert code == 500
    assert json.loads(body) == {
        "status": "crashed",
        "reason": "exit status 3; stderr: segfault in the module",
    }


class Unwritable(Program):
    """A function whose request cannot be prepared (the front's side fails, e.g. a full disk)."""

    def call(self, body: bytes, workdir: Path):
        raise OSError(28, "No space left on device")


def test_a_failure_on_the_front_s_side_is_500_error_and_the_next_request_is_served():
    pool = Pool([Instance(Crashing(), NO_INPUTS, "test")], Unwritable((), AnyOutput()), 10.0)

    async def talk(client: TestClient):
        return await post(client), await post(client)

    first, second = exchange(pool, talk)
    assert first == second and first[0] == 500
    assert json.loads(first[1]) == {
        "status": "error",
        "reason": "OSError: [Errno 28] No space left on device",
    }


def test_an_invocation_over_the_timeout_is_504_and_its_host_is_replaced():
    pool = echo_pool(function=Program(("hang",), AnyOutput()), timeout_s=0.5)
    first = list(pool.pids())

    async def talk(client: TestClient):
        answer = await post(client)
        async with client.get("/metrics") as response:
            return answer, await response.text()

    (code, body), metrics = exchange(pool, talk)
    assert code == 504 and json.loads(body)["status"] == "timeout"
    assert metric(metrics, "wasmbench_host_restarts_total") == 1
    with pytest.raises(ProcessLookupError):
        os.kill(first[0], 0)


def test_a_body_over_the_limit_is_413_and_never_invoked():
    pool = echo_pool()
    code, body = exchange(pool, lambda client: post(client, b"x" * 2048), max_body=1024)
    assert code == 413 and json.loads(body)["status"] == "too_large"


def test_concurrent_requests_each_get_their_own_output_from_a_pool_smaller_than_them():
    pool = echo_pool(count=2)
    bodies = [b"request %d" % number for number in range(8)]

    async def talk(client: TestClient):
        return await asyncio.gather(*(post(client, body) for body in bodies))

    answers = exchange(pool, talk)
    for body, (code, output) in zip(bodies, answers, strict=True):
        assert code == 200 and output.endswith(b" " + body.upper())
    # each host counted its own invocations: 8 in all, spread over both instances
    assert sorted(int(output.split()[0]) for _, output in answers)[-1] < 8


def test_metrics_parse_with_prometheus_client_and_count_what_was_served():
    pool = echo_pool(count=2, function=Program((), Exactly(b"1 HELLO")))

    async def talk(client: TestClient):
        for body in (b"hello", b"hello", b"bye"):
            await post(client, body)
        async with client.get("/healthz") as health:
            assert health.status == 200
        async with client.get("/metrics") as response:
            assert response.headers["Content-Type"].startswith("text/plain")
            return await response.text()

    text = exchange(pool, talk)
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert {
        "wasmbench_invocations",
        "wasmbench_invocation_duration_seconds",
        "wasmbench_live_instances",
        "wasmbench_busy_instances",
        "wasmbench_host_rss_bytes",
        "wasmbench_front_rss_bytes",
        "wasmbench_host_restarts",
    } <= set(families)
    assert metric(text, "wasmbench_invocations_total", status="ok") == 2  # the second host's first
    assert metric(text, "wasmbench_invocations_total", status="wrong_output") == 1
    assert metric(text, "wasmbench_invocation_duration_seconds_count") == 2  # failures are not timed
    assert metric(text, "wasmbench_live_instances") == 2
    assert metric(text, "wasmbench_busy_instances") == 0
    assert metric(text, "wasmbench_host_rss_bytes") > 2 * 1024 * 1024  # two Python hosts
    assert metric(text, "wasmbench_front_rss_bytes") > 0


def metric(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` in an exposition."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise KeyError(name)


CLASSIFIED = b"""request.ppm (512x512, classified at 192x192)
  1. 967 0.900000 espresso
  2. 968 0.050000 cup
  3. 504 0.020000 coffee mug
  4. 925 0.010000 consomme
  5. 809 0.005000 soup bowl
It is very likely an espresso.
"""


@pytest.fixture
def classifier(tmp_path) -> ImageClassifier:
    (tmp_path / "labels.txt").write_text("label\n" * 1000)
    check = ClassificationCheck((ClassifiedImage("coffee.ppm", ()),), 1e-4)
    inputs = Inputs(tmp_path, ("labels.txt",), check)
    return ImageClassifier(("weights", "labels.txt", "192", "coffee.ppm"), inputs)


def test_the_classifier_answers_its_top_5_as_json(classifier):
    answer = json.loads(classifier.response(CLASSIFIED))
    (image,) = answer["images"]
    assert image["image"] == "request.ppm" and image["sentence"] == "It is very likely an espresso."
    assert image["classes"][0] == {"class": 967, "label": "espresso", "probability": 0.9}
    assert len(image["classes"]) == 5


def test_a_body_that_is_no_photo_is_400_and_an_empty_one_classifies_the_size_s_own(classifier, tmp_path):
    pool = Pool([Instance(Crashing(), NO_INPUTS, "test")], classifier, 10.0)
    code, body = exchange(pool, lambda client: post(client, b"not a photo"))
    assert code == 400 and json.loads(body)["status"] == "bad_request"
    call = classifier.call(b"", tmp_path)
    assert call.args == ("weights", "labels.txt", "192", "coffee.ppm") and call.check is classifier.check
