"""The worker under test runs as a real process (``python -m worker``) configured by
environment variables only, with short timeouts so retries and lock expiry take seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, LiteralString, TypeVar

import psycopg
import pytest

from devstack.net import free_port, wait_http
from saaskit.db.urls import libpq_url
from saaskit.settings import Settings
from tests.support.env import settings_env

DEADLINE = 30.0
T = TypeVar("T")


@pytest.fixture
def backend() -> str:
    """Local storage unless a test parametrizes ``backend`` itself."""
    return "local"


@pytest.fixture
def worker_settings(storage_settings: Settings) -> Settings:
    return storage_settings.model_copy(update={
        "worker_job_timeout_seconds": 3,  # lock of a dead worker's job: 3 + 10 s
        "worker_max_tries": 3,
        "worker_retry_backoff_seconds": 0.2,
        "worker_requeue_after_seconds": 1,
        "worker_sweep_interval_seconds": 1,
        "worker_cleanup_interval_seconds": 1,
        "worker_shutdown_grace_seconds": 10,
        "worker_metrics_port": free_port(),
        "smtp_timeout_seconds": 20,
    })


class WorkerProcess:
    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.worker_metrics_port}/metrics"

    def start(self) -> WorkerProcess:
        env = {**os.environ, **settings_env(self.settings)}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "worker"], env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(self.metrics_url, DEADLINE, self.proc)
        return self

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def start_worker(worker_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(**overrides) -> WorkerProcess:
        worker = WorkerProcess(worker_settings.model_copy(update=overrides), tmp_path / "worker.log")
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def query(settings: Settings, sql: LiteralString, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def wait_for(predicate: Callable[[], T | None], timeout: float = DEADLINE, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(0.1)


def job_finished(settings: Settings, job_id: int) -> tuple[Any, ...] | None:
    rows = query(settings, "SELECT status, attempts, result, error FROM jobs WHERE id = %s "
                 "AND status IN ('succeeded', 'failed')", job_id)
    return rows[0] if rows else None
