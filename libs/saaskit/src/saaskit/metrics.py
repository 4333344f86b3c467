"""The HTTP metrics of the contract, identical in name and labels in both frameworks.

``http_requests_total{service, framework, method, route, status}``,
``http_request_duration_seconds{service, framework, method, route}`` (histogram),
``http_requests_in_progress{service, framework}``, plus the process metrics; and, also
under the same names on both stacks: ``db_pool_connections_in_use``,
``db_pool_connections_waiting`` and ``db_pool_connections_max`` (sampled once a second
by a thread in each server process, never on the request path) and
``file_upload_size_bytes`` (a histogram: its ``_sum`` is the bytes uploaded).

With several worker processes (uvicorn --workers, gunicorn) set ``PROMETHEUS_MULTIPROC_DIR``:
counters are then summed across workers, and the process metrics are reported for the
whole server (master and workers together), so CPU and memory per service stay right.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import psutil
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

UNMATCHED_ROUTE = "unmatched"

# No ``*_created`` series: a multiprocess registry has none, so without this a
# single-process server would export families the other stack lacks (and twice the
# series per counter, for a timestamp no query here uses).
disable_created_metrics()

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Images point it under their /tmp volume, which starts empty: the worker processes
    # write their samples there from their first request.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

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


DB_POOL_IN_USE = Gauge(
    "db_pool_connections_in_use", "Database connections lent out by the pool.",
    ["service", "framework"], multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "db_pool_connections_waiting", "Requests waiting for a database connection.",
    ["service", "framework"], multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge(
    "db_pool_connections_max", "Connections the pools may hold.",
    ["service", "framework"], multiprocess_mode="livesum",
)
UPLOAD_SIZE = Histogram(
    "file_upload_size_bytes", "Size of each stored upload.", ["service", "framework"],
    buckets=(1024, 16 * 1024, 128 * 1024, 1024**2, 8 * 1024**2, 64 * 1024**2, 512 * 1024**2),
)

PoolReading = tuple[int, int, int]  # in use, waiting, max


class PoolSampler:
    """Copies a pool's state into the ``db_pool_*`` gauges every ``interval`` seconds, in
    a daemon thread of the process that owns the pool: the request path pays nothing,
    and in multiprocess mode each process writes its own share (summed at scrape)."""

    def __init__(self, service: str, framework: str, read: Callable[[], PoolReading | None],
                 interval: float = 1.0) -> None:
        self.gauges = (DB_POOL_IN_USE.labels(service, framework), DB_POOL_WAITING.labels(service, framework),
                       DB_POOL_MAX.labels(service, framework))
        self.read = read
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="db-pool-sampler", daemon=True)

    def start(self) -> PoolSampler:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def sample(self) -> None:
        try:
            reading = self.read()
        except Exception:  # noqa: BLE001 - a pool being torn down; the next tick retries
            return
        if reading is not None:
            for gauge, value in zip(self.gauges, reading, strict=True):
                gauge.set(value)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


class UploadMetrics:
    def __init__(self, service: str, framework: str) -> None:
        self.size = UPLOAD_SIZE.labels(service, framework)

    def observe(self, size: int) -> None:
        self.size.observe(size)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
OTHER_METHOD = "other"
"""Any other method a client invents is counted as this one label value: a label per
invented method would grow ``/metrics`` (and Prometheus) without bound."""


class RequestMetrics:
    """Per-service handles with label children cached: ``labels()`` is not free."""

    def __init__(self, service: str, framework: str) -> None:
        self.service = service
        self.framework = framework
        self.in_progress = HTTP_IN_PROGRESS.labels(service, framework)
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else OTHER_METHOD
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
