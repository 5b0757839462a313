"""A served function under load: ``wasmbench serve`` started as a process, driven by ``hey``.

The front is the one users point their own load generators at (SERVING.md's contract): started
with ``--port 0``, it says where it listens in one line on stdout, serves until SIGTERM, and
answers 200 only for an output that passes the workload's check. ``hey`` (Debian's package) sends
a fixed number of requests at a fixed concurrency and writes one CSV row per request with its
latency and status; only the 200 responses' latencies are kept, every other status is counted.
hey writes latencies in whole tenths of a millisecond: the resolution of every warm percentile.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from wasmbench.errors import WasmbenchError
from wasmbench.store.schema import LoadRun

READY = re.compile(r"^serving \S+ \S+ on (?P<url>http://\S+/invoke) ")
READY_TIMEOUT_S = 300.0  # a Docker image built on first use, an inference model compiled
STOP_TIMEOUT_S = 30.0
HOST_RSS = "wasmbench_host_rss_bytes"
OK = "200"
HEY = "hey"


def serve_argv(spec: str, workload: str, size: str, path: str, instances: int, timeout_s: float) -> list[str]:
    """``wasmbench serve`` of one runtime mode's function on ``path`` (warm or cold), any free port."""
    return [
        sys.executable,
        "-m",
        "wasmbench",
        "serve",
        "-r",
        spec,
        "-w",
        workload,
        "--size",
        size,
        "--path",
        path,
        "--instances",
        str(instances),
        "--timeout",
        f"{timeout_s:g}",
        "--port",
        "0",
    ]


class ServeProcess:
    """A running ``wasmbench serve`` (a context manager): its ``url``, its ``/metrics``, stopped
    with SIGTERM on exit (killed, with its process group, if it does not stop)."""

    def __init__(self, argv: Sequence[str], ready_timeout_s: float = READY_TIMEOUT_S) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (the front's log, kept until ``stop``)
        self._process = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self.url = self._ready_url(ready_timeout_s)
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _ready_url(self, timeout_s: float) -> str:
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout_s)
        line = self._process.stdout.readline().decode(errors="replace") if ready else ""
        if match := READY.match(line):
            return match["url"]
        ending = f"it said nothing for {timeout_s:g} s" if not ready else f"its first line: {line.strip()!r}"
        raise WasmbenchError(f"wasmbench serve did not start ({ending}): {self.log_tail()}")

    def host_rss_bytes(self) -> int:
        """The front's gauge of its instances' summed resident memory (0 when it has none)."""
        base = self.url.removesuffix("/invoke")
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            text = response.read().decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == HOST_RSS:
                    return int(sample.value)
        return 0

    def log_tail(self, lines: int = 5) -> str:
        self._log.seek(0)
        tail = self._log.read().decode(errors="replace").strip().splitlines()[-lines:]
        return " / ".join(tail) or "no log"

    def stop(self) -> None:
        """SIGTERM (the front closes every instance), then the process group killed if it lingers."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()


@dataclass(frozen=True)
class HeyResult:
    """hey's rows: the 200 responses' latencies, the others counted by status, the run's span."""

    latencies_ns: list[int]
    errors: dict[str, int]
    duration_s: float


def parse_hey_csv(text: str) -> HeyResult:
    """``hey -o csv``'s rows (``response-time`` and ``offset`` in seconds, ``status-code``); a
    request without a response (a timeout, a refused connection) has no row and no status: the
    caller counts the rows missing."""
    rows = list(csv.DictReader(io.StringIO(text)))
    latencies = [round(float(row["response-time"]) * 1e9) for row in rows if row["status-code"] == OK]
    errors = Counter(row["status-code"] for row in rows if row["status-code"] != OK)
    span = max((float(row["offset"]) + float(row["response-time"]) for row in rows), default=0.0)
    return HeyResult(latencies, dict(errors), span)


def hey_argv(url: str, requests: int, concurrency: int, timeout_s: float) -> list[str]:
    return [
        HEY,
        "-n",
        str(requests),
        "-c",
        str(concurrency),
        "-m",
        "POST",
        "-t",
        f"{timeout_s:.0f}",
        "-o",
        "csv",
        url,
    ]


def drive(
    serve: ServeProcess,
    requests: int,
    concurrency: int,
    instances: int,
    timeout_s: float,
    budget_s: float | None = None,
) -> LoadRun:
    """``requests`` POSTs (empty bodies: the function reads its staged inputs, as in a run) at
    ``concurrency`` — fewer when they would take much longer than ``budget_s`` at the pace of the
    warm-up (None: all of them); the responses hey did not get are errors (``no response``)."""
    if shutil.which(HEY) is None:
        raise WasmbenchError("hey is not installed (wasmbench setup tools installs it)")
    # A request per instance first, not measured: an instance's first invocation pays one-time
    # costs (the front's first request, a cold path's first run: about 0.1 s here), which the
    # few requests a cold path gets would otherwise report as its latency. Its pace (instances
    # served in its wall time) bounds how many requests fit in the budget.
    started = time.monotonic()
    subprocess.run(
        hey_argv(serve.url, instances, instances, max(1.0, timeout_s)), capture_output=True, check=False
    )
    if budget_s is not None:
        requests = min(requests, int(budget_s * instances / max(time.monotonic() - started, 1e-3)))
    # each of hey's clients sends requests ÷ clients (rounded down), and at least one
    requests = max(concurrency, requests // concurrency * concurrency)
    started = time.monotonic()
    finished = subprocess.run(
        hey_argv(serve.url, requests, concurrency, max(1.0, timeout_s)),
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise WasmbenchError(f"hey failed ({finished.returncode}): {finished.stderr.strip()[-300:]}")
    result = parse_hey_csv(finished.stdout)
    answered = len(result.latencies_ns) + sum(result.errors.values())
    errors = result.errors | ({"no response": requests - answered} if answered < requests else {})
    return LoadRun(
        concurrency=concurrency,
        instances=instances,
        requests=requests,
        latencies_ns=result.latencies_ns,
        errors=errors,
        duration_s=result.duration_s or time.monotonic() - started,
        host_rss_bytes=serve.host_rss_bytes(),
    )
