"""The worker's Prometheus metrics, served on ``APP_WORKER_METRICS_PORT``."""

from __future__ import annotations

import time

import redis
from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily

JOBS_STARTED = Counter("worker_jobs_started_total", "Jobs started (every try).", ["function"])
JOBS_SUCCEEDED = Counter("worker_jobs_succeeded_total", "Jobs that succeeded.", ["function"])
JOBS_FAILED = Counter("worker_jobs_failed_total", "Jobs that ended failed.", ["function"])
JOBS_RETRIED = Counter("worker_jobs_retried_total", "Tries that will be retried.", ["function"])
JOB_DURATION = Histogram(
    "worker_job_duration_seconds", "Duration of one try of a job.", ["function"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


class QueueDepthCollector:
    """``worker_queue_depth``: jobs due and waiting in the arq queue, read at scrape time
    (jobs deferred to later, such as retries with backoff and the next cron runs, are not
    waiting yet)."""

    def __init__(self, redis_url: str, queue_name: str, timeout: float) -> None:
        self.client = redis.Redis.from_url(redis_url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)
        self.queue_name = queue_name

    def collect(self):
        gauge = GaugeMetricFamily("worker_queue_depth", "Jobs waiting in the queue.")
        try:
            due = self.client.zcount(self.queue_name, "-inf", int(time.time() * 1000))
            gauge.add_metric([], due)
        except redis.RedisError:
            gauge.add_metric([], float("nan"))
        yield gauge


def serve_metrics(host: str, port: int, redis_url: str, queue_name: str, timeout: float) -> int:
    """Start the metrics endpoint in a thread; returns the port (chosen by the OS for 0)."""
    REGISTRY.register(QueueDepthCollector(redis_url, queue_name, timeout))
    server, _thread = start_http_server(port, addr=host)
    return server.server_address[1]
