"""What ``GET /metrics`` says, in Prometheus' text format (prometheus_client).

- ``wasmbench_invocations_total{status}``: invocations by status (``ok``, ``wrong_output``,
  ``crashed``, ``timeout``, ``error``);
- ``wasmbench_invocation_duration_seconds``: a histogram of the valid invocations' latency, from the
  request's arrival at the front to its response (waiting for a free instance included); a failed
  invocation is counted, never timed, as in every statistic of wasmbench;
- ``wasmbench_live_instances``, ``wasmbench_busy_instances``: the pool's instances, and those
  serving an invocation now;
- ``wasmbench_host_rss_bytes``: the resident memory of the instances' host processes together (the
  front excluded; none for the cold path, which holds nothing between invocations);
- ``wasmbench_front_rss_bytes``: the front's own (this process);
- ``wasmbench_host_restarts_total``: hosts started again after a timeout or their death.

The pool's figures are read when the metrics are scraped, so the request path only counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wasmbench.serving.memory import resident_bytes
from wasmbench.serving.pool import Pool
from wasmbench.store.schema import Status

# From a warm host's fraction of a millisecond to a cold container's seconds and a large size's minutes.
LATENCY_BUCKETS = tuple(scale * 10.0**power for power in range(-4, 3) for scale in (1.0, 2.5, 5.0))


class Metrics:
    """The front's metrics: counted by the request path, the pool's read at every scrape."""

    def __init__(self, pool: Pool) -> None:
        disable_created_metrics()  # no ``_created`` series beside each counter: only noise here
        self.registry = CollectorRegistry()
        self._invocations = Counter(
            "wasmbench_invocations", "Invocations by status", ["status"], registry=self.registry
        )
        for status in Status:
            self._invocations.labels(status.value)
        self._latency = Histogram(
            "wasmbench_invocation_duration_seconds",
            "Latency of the valid invocations, from the request's arrival to its response",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(PoolCollector(pool))

    def count(self, status: Status, seconds: float) -> None:
        """One invocation: its status, and its latency when it was valid."""
        self._invocations.labels(status.value).inc()
        if status is Status.OK:
            self._latency.observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class PoolCollector(Collector):
    """The pool's instances, their memory and restarts, as they are at the scrape."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def collect(self) -> Iterator[Metric]:
        pool = self.pool
        yield GaugeMetricFamily("wasmbench_live_instances", "Instances in the pool", len(pool.instances))
        yield GaugeMetricFamily("wasmbench_busy_instances", "Instances serving an invocation", pool.busy)
        yield GaugeMetricFamily(
            "wasmbench_host_rss_bytes",
            "Resident memory of the instances' host processes together",
            resident_bytes(pool.pids()),
        )
        yield GaugeMetricFamily(
            "wasmbench_front_rss_bytes", "Resident memory of the HTTP front", resident_bytes([os.getpid()])
        )
        yield CounterMetricFamily(
            "wasmbench_host_restarts", "Hosts started again after a timeout or their death", pool.restarts
        )
