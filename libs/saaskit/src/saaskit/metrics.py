"""The HTTP metrics of the contract, identical in name and labels in both frameworks.

``http_requests_total{service, framework, method, route, status}``,
``http_request_duration_seconds{service, framework, method, route}`` (histogram),
``http_requests_in_progress{service, framework}``, plus the process metrics.

With several worker processes (uvicorn --workers, gunicorn) set ``PROMETHEUS_MULTIPROC_DIR``:
counters are then summed across workers, and the process metrics are reported for the
whole server (master and workers together), so CPU and memory per service stay right.
"""

from __future__ import annotations

import os

import psutil
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

UNMATCHED_ROUTE = "unmatched"

LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
    1.0, 2.5, 5.0, 7.5, 10.0, 30.0,
)

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered.",
    ["service", "framework", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration, from the first byte in to the last byte out.",
    ["service", "framework", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "HTTP requests being served.",
    ["service", "framework"],
    multiprocess_mode="livesum",
)


class RequestMetrics:
    """Per-service handles with label children cached: ``labels()`` is not free."""

    def __init__(self, service: str, framework: str) -> None:
        self.service = service
        self.framework = framework
        self.in_progress = HTTP_IN_PROGRESS.labels(service, framework)
        self._counters: dict[tuple[str, str, int], object] = {}
        self._histograms: dict[tuple[str, str], object] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = HTTP_REQUESTS.labels(
                self.service, self.framework, method, route, str(status)
            )
        hkey = (method, route)
        histogram = self._histograms.get(hkey)
        if histogram is None:
            histogram = self._histograms[hkey] = HTTP_DURATION.labels(
                self.service, self.framework, method, route
            )
        counter.inc()
        histogram.observe(seconds)


_SHELLS = {"sh", "bash", "dash", "zsh", "ash"}


def server_root_process() -> psutil.Process:
    """The process that stands for the whole server: the uvicorn/gunicorn master when
    this process is one of its workers, else this process itself (a single-process
    server, whatever started it: a shell, honcho, a test harness, PID 1 in a pod)."""
    me = psutil.Process()
    try:
        parent = me.parent()
        if parent is not None and parent.name() not in _SHELLS:
            command = " ".join(parent.cmdline())
            if "uvicorn" in command or "gunicorn" in command:
                return parent
    except psutil.Error:
        pass
    return me


class ProcessTreeCollector:
    """``process_*`` metrics summed over a server's master and all of its workers."""

    def __init__(self, root: psutil.Process | None = None) -> None:
        self.root = root or server_root_process()

    def collect(self):
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            procs = [psutil.Process()]
        cpu_seconds = 0.0
        rss = 0
        for proc in procs:
            try:
                times = proc.cpu_times()
                cpu_seconds += times.user + times.system
                rss += proc.memory_info().rss
            except psutil.Error:
                continue
        counter = CounterMetricFamily(
            "process_cpu_seconds", "Total user and system CPU time spent in seconds."
        )
        counter.add_metric([], cpu_seconds)
        yield counter
        gauge = GaugeMetricFamily("process_resident_memory_bytes", "Resident memory size in bytes.")
        gauge.add_metric([], rss)
        yield gauge
        workers = GaugeMetricFamily("process_tree_processes", "Processes of this server.")
        workers.add_metric([], len(procs))
        yield workers


_tree_collector: ProcessTreeCollector | None = None


def metrics_registry() -> CollectorRegistry:
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not multiproc_dir:
        return REGISTRY
    global _tree_collector
    if _tree_collector is None:
        _tree_collector = ProcessTreeCollector()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_tree_collector)
    return registry


def render_metrics() -> tuple[bytes, str]:
    return generate_latest(metrics_registry()), CONTENT_TYPE_LATEST
