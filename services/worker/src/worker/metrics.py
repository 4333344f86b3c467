"""The worker's Prometheus metrics, served on ``APP_WORKER_METRICS_PORT``.

- ``worker_jobs_total{type, outcome}``: every try of a job ends in one outcome:
  ``succeeded``, ``retried`` (a transient error; arq runs it again later), ``failed``
  (permanent, unexpected, or out of tries) or ``skipped`` (the row was already finished).
- ``worker_job_duration_seconds{type}``: the duration of one try, whatever its outcome.
- ``worker_queue_depth`` and ``worker_queue_oldest_job_age_seconds``: read from Redis at
  scrape time. Only jobs that are due count: a retry deferred by its backoff, or the next
  cron run, is not waiting yet.
"""

from __future__ import annotations

import time

import redis
from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily

SUCCEEDED, RETRIED, FAILED, SKIPPED = "succeeded", "retried", "failed", "skipped"

JOBS = Counter("worker_jobs", "Tries of jobs, by job type and outcome.", ["type", "outcome"])
JOB_DURATION = Histogram(
    "worker_job_duration_seconds", "Duration of one try of a job.", ["type"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


def observe_try(job_type: str, outcome: str, seconds: float) -> None:
    JOBS.labels(job_type, outcome).inc()
    JOB_DURATION.labels(job_type).observe(seconds)


class QueueCollector:
    """The queue's depth and the age of its oldest due job, from arq's sorted set (the
    score of a job is the time it is due, in milliseconds)."""

    def __init__(self, redis_url: str, queue_name: str, timeout: float) -> None:
        self.client = redis.Redis.from_url(redis_url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)
        self.queue_name = queue_name

    def collect(self):
        depth = GaugeMetricFamily("worker_queue_depth", "Jobs due and waiting in the queue.")
        age = GaugeMetricFamily("worker_queue_oldest_job_age_seconds",
                                "How long the oldest due job has waited (0 when none waits).")
        now_ms = int(time.time() * 1000)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.zcount(self.queue_name, "-inf", now_ms)
                pipe.zrange(self.queue_name, 0, 0, withscores=True)
                due, oldest = pipe.execute()
            depth.add_metric([], due)
            waited = (now_ms - oldest[0][1]) / 1000 if oldest and oldest[0][1] <= now_ms else 0.0
            age.add_metric([], waited)
        except redis.RedisError:
            depth.add_metric([], float("nan"))
            age.add_metric([], float("nan"))
        yield depth
        yield age


def serve_metrics(host: str, port: int, redis_url: str, queue_name: str, timeout: float) -> int:
    """Start the metrics endpoint in a thread; returns the port (chosen by the OS for 0)."""
    REGISTRY.register(QueueCollector(redis_url, queue_name, timeout))
    server, _thread = start_http_server(port, addr=host)
    return server.server_address[1]
