"""The HTTP front of ``wasmbench serve``: a function's pool of instances behind three endpoints.

- ``POST /invoke``: the body is the function's request (``serving.function``); 200 with the
  response when the output passed the workload's check, 500 with ``{"status", "reason"}`` as JSON
  when it did not (``wrong_output``, ``crashed``, ``error``), 504 (same JSON, ``timeout``) when the
  invocation ran over ``--timeout`` and was killed, 413 for a body over ``--max-body``, 400 for a
  body the function cannot take (e.g. not a photo);
- ``GET /healthz``: 200 while the front serves;
- ``GET /metrics``: Prometheus' text format (``serving.metrics``).

aiohttp on uvloop: of the servers measured for this front (``hey -n 5000 -c 1`` against an echo
handler on a 2-core machine: aiohttp on uvloop p50 0.1–0.2 ms, p99 0.3–0.5 ms; uvicorn with
Starlette on uvloop and httptools p50 0.2 ms, p99 2.3–2.9 ms; either on the standard asyncio loop
slower again), the fastest, and with a public API to start on a given port, learn the one bound
and stop on a signal of our own.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import uvloop
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from wasmbench.errors import WasmbenchError
from wasmbench.serving.function import BadRequest
from wasmbench.serving.metrics import Metrics
from wasmbench.serving.pool import Pool
from wasmbench.store.schema import Status

LOOPBACK = "127.0.0.1"
# How long a stopping front waits for the requests under way before cancelling them (their
# invocations still end, by their timeout at the latest, before the pool closes).
SHUTDOWN_GRACE_S = 5.0


def make_app(pool: Pool, max_body: int) -> web.Application:
    """The front's application: its routes around ``pool``, a body over ``max_body`` bytes refused."""
    metrics = Metrics(pool)
    function = pool.function

    async def invoke(request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return failure(413, "too_large", f"the request body is over --max-body ({max_body} bytes)")
        try:
            answer = await pool.invoke(body)
        except BadRequest as error:
            return failure(400, "bad_request", str(error))
        except Exception as error:  # the front's side failed (e.g. a full /dev/shm): that request's error
            metrics.count(Status.ERROR, time.perf_counter() - arrived)
            return failure(500, Status.ERROR.value, f"{type(error).__name__}: {error}")
        measurement = answer.measurement
        metrics.count(measurement.status, time.perf_counter() - arrived)
        if measurement.status is Status.OK:
            return web.Response(body=function.response(answer.output), content_type=function.content_type)
        code = 504 if measurement.status is Status.TIMEOUT else 500
        return failure(code, measurement.status.value, measurement.detail)

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def exposition(request: web.Request) -> web.Response:
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(client_max_size=max_body)
    app.router.add_post("/invoke", invoke)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", exposition)
    return app


def failure(code: int, status: str, reason: str) -> web.Response:
    return web.json_response({"status": status, "reason": reason}, status=code)


def serve(pool: Pool, host: str, port: int, max_body: int, ready: Callable[[str], None]) -> None:
    """Serve ``pool`` on ``host``:``port`` (0: any free port) until SIGINT or SIGTERM, calling
    ``ready`` with the ``/invoke`` URL once requests are answered. The caller closes the pool."""
    uvloop.run(_serve(pool, host, port, max_body, ready))


async def _serve(pool: Pool, host: str, port: int, max_body: int, ready: Callable[[str], None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(make_app(pool, max_body), access_log=None, handle_signals=False)
    try:
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port, shutdown_timeout=SHUTDOWN_GRACE_S).start()
        except OSError as error:
            raise WasmbenchError(f"cannot listen on {host} port {port}: {error.strerror or error}") from error
        bound_host, bound_port = runner.addresses[0][:2]
        ready(f"http://{url_host(bound_host)}:{bound_port}/invoke")
        await stop.wait()
    finally:
        await runner.cleanup()


def url_host(address: str) -> str:
    """An address as a URL's host: an IPv6 one in brackets."""
    return f"[{address}]" if ":" in address else address
