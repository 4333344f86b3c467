"""CPU and memory of each service, read from its Prometheus ``/metrics`` (the process
metrics, summed over the whole server process tree in multiprocess mode), so the same
code measures a local process or a pod behind ``kubectl port-forward``."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

CPU = "process_cpu_seconds"  # the family name of process_cpu_seconds_total
RSS = "process_resident_memory_bytes"


@dataclass
class ProcessSample:
    cpu_seconds: float
    rss_bytes: float


def scrape(url: str, timeout: float = 5.0) -> ProcessSample | None:
    try:
        response = httpx.get(url, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        if family.name in (CPU, RSS):
            # Without multiprocess mode several samples may exist (one per pid label):
            # sum them, the whole server is what we measure.
            values[family.name] = sum(
                s.value for s in family.samples if s.name in (f"{CPU}_total", RSS)
            )
    if CPU not in values or RSS not in values:
        return None
    return ProcessSample(values[CPU], values[RSS])


def scrape_all(urls: dict[str, str], timeout: float = 10.0) -> dict[str, ProcessSample | None]:
    return {name: scrape(url, timeout) for name, url in urls.items()}


class PeakMemory:
    """Polls every service's RSS in a thread while the load runs; keeps the peak."""

    def __init__(self, urls: dict[str, str], interval: float = 0.5) -> None:
        self.urls = urls
        self.interval = interval
        self.peak: dict[str, float] = {}
        self.failed_scrapes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, url in self.urls.items():
                sample = scrape(url, timeout=self.interval * 4)
                if sample is None:
                    self.failed_scrapes += 1
                    continue
                self.peak[name] = max(self.peak.get(name, 0.0), sample.rss_bytes)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
