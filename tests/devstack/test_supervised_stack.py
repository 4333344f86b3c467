"""``devstack up`` survives crashes (issue 12, "Faults"): Redis, the worker and a service
are SIGKILLed under a running stack; supervisord restarts each and logs it, the other
services keep running, the stack is ready again, and a job queued afterwards succeeds.
Ctrl-C (SIGINT to the process group) still stops everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from devstack.net import free_port, wait_http
from tests.support.api import new_account

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEADLINE = 120.0
KILLED = ("redis", "worker", "resources")


def _procfile(tmp_path: Path, ports: dict[str, int]) -> Path:
    text = (ROOT / "Procfile").read_text()
    for name, default in (("admin", 8000), ("auth", 8001), ("resources", 8002), ("files", 8003)):
        text = re.sub(rf"(--port |127\.0\.0\.1:){default}\b", rf"\g<1>{ports[name]}", text)
    path = tmp_path / "Procfile"
    path.write_text(text)
    return path


def _ctl(data: Path, *args: str) -> str:
    return subprocess.run([str(BIN / "supervisorctl"), "-c", str(data / "supervisord.conf"), *args],
                          capture_output=True, text=True, timeout=30).stdout


def _pid(data: Path, name: str) -> int:
    return int(_ctl(data, "pid", f"services:{name}" if name not in ("redis", "postgres") else name))


def _until(predicate, what: str, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if value := predicate():
                return value
        except httpx.TransportError:  # a restarted server not listening yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout:.0f} s")
        time.sleep(0.2)


@pytest.mark.slow
def test_the_dev_stack_restarts_what_crashed(tmp_path):
    ports = {name: free_port() for name in ("admin", "auth", "resources", "files", "metrics")}
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "APP_DATABASE_URL", "APP_REDIS_URL")}
    env.update({
        "APP_WORKER_METRICS_PORT": str(ports["metrics"]),
        "APP_JWKS_URL": f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json",
        "APP_ARGON2_TIME_COST": "1", "APP_ARGON2_MEMORY_KIB": "1024", "APP_ARGON2_PARALLELISM": "1",
    })
    resources = f"http://127.0.0.1:{ports['resources']}"
    auth = f"http://127.0.0.1:{ports['auth']}"
    with open(tmp_path / "devstack.log", "wb") as out:
        stack = subprocess.Popen(
            [str(BIN / "devstack"), "up", "--data-dir", str(data), "--pg-port", str(free_port()),
             "--redis-port", str(free_port()), "--procfile", str(_procfile(tmp_path, ports))],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for url in (f"{resources}/readyz", f"{auth}/readyz",
                    f"http://127.0.0.1:{ports['metrics']}/metrics"):
            wait_http(url, DEADLINE, stack)
        _until(lambda: httpx.get(f"{resources}/readyz").status_code == 200, "ready")
        account = new_account(auth)
        kept = _pid(data, "auth")
        before = {name: _pid(data, name) for name in KILLED}

        for name in KILLED:
            os.kill(before[name], signal.SIGKILL)
        _until(lambda: all(_pid(data, name) not in (0, before[name]) for name in KILLED), "restarts")
        _until(lambda: httpx.get(f"{resources}/readyz").status_code == 200, "ready again")
        _until(lambda: "RUNNING" in _ctl(data, "status", "services:worker"), "worker running")

        accepted = _until(lambda: (r := httpx.post(
            f"{resources}/jobs", json={"type": "export_posts"}, headers=account.headers)
        ).status_code == 202 and r, "job accepted", 30)
        job_url = resources + accepted.headers["location"]
        job = _until(lambda: (j := httpx.get(job_url, headers=account.headers).json())["status"]
                     in ("succeeded", "failed") and j, "job finished", 60)
        log = (data / "logs" / "supervisord.log").read_text()
        auth_kept = _pid(data, "auth") == kept
    except Exception:
        print((tmp_path / "devstack.log").read_text()[-5000:])
        raise
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C in the terminal
        code = stack.wait(90)
    assert job["status"] == "succeeded", job
    assert auth_kept
    for name in KILLED:
        assert f"exited: {name} (terminated by SIGKILL; not expected)" in log
        assert f"success: {name} entered RUNNING state" in log.split(f"exited: {name}", 1)[1]
    assert code == 0
    leftovers = subprocess.run(["pgrep", "-f", str(data)], capture_output=True, text=True).stdout
    assert leftovers == ""
