"""With several workers, /metrics reports CPU and memory for the whole server (master +
workers), whichever worker answers; a single process reports itself only."""

import os
import re
import subprocess
import sys

import httpx
import pytest

from devstack.net import free_port, wait_http


def _sample(url: str, name: str) -> float:
    text = httpx.get(url, timeout=5).text
    return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))


# uvicorn --workers 2: the master, two workers, and multiprocessing's resource tracker.
@pytest.mark.parametrize(("shell", "workers", "expected"), [(False, 2, 4), (True, 1, 1)])
def test_process_metrics_cover_exactly_the_server(settings, tmp_path, shell, workers, expected):
    port = free_port()
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "APP_ENVIRONMENT": "test", "APP_SECRET_KEY": "k",
        "APP_DATABASE_URL": settings.database_url, "APP_REDIS_URL": settings.redis_url,
        "APP_JWT_KEYS_DIR": str(settings.jwt_keys_dir),
    }
    argv = [sys.executable, "-m", "uvicorn", "auth_service.main:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    # As honcho runs Procfile lines: through a shell, which must not count as the server.
    command = ["/bin/sh", "-c", " ".join(argv)] if shell else argv
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/healthz", 30, proc)
        samples = [_sample(url + "/metrics", "process_tree_processes") for _ in range(4)]
        rss = _sample(url + "/metrics", "process_resident_memory_bytes")
        cpu = _sample(url + "/metrics", "process_cpu_seconds_total")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(15)
    assert samples == [expected] * 4
    assert 10 * 2**20 * expected < rss < 400 * 2**20 * expected
    assert cpu > 0
