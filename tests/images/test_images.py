"""Each service image, run as a pod would run it, does its job: health and readiness,
the user journey through the containerised FastAPI auth and the DRF twin, an upload
processed by the containerised worker, a non-root user, a read-only root, and a clean
stop on SIGTERM within its grace period."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image

from devstack.net import free_port
from saas_images.engine import SERVICES
from tests.images.containers import container
from tests.support.api import PASSWORD, unique_username

HTTP_SERVICES = ("auth", "resources", "files", "admin")
# The server's own drain time is 20 s in every image; a stop must finish well inside it.
GRACE_SECONDS = 25


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def journey(auth_url: str) -> dict:
    username = unique_username("img")
    body = {"email": f"{username}@example.com", "username": username, "password": PASSWORD}
    registered = httpx.post(f"{auth_url}/auth/register", json=body, timeout=10)
    assert registered.status_code == 201, registered.text
    tokens = httpx.post(f"{auth_url}/auth/token", data={"username": username, "password": PASSWORD}, timeout=10)
    assert tokens.status_code == 200, tokens.text
    me = httpx.get(f"{auth_url}/auth/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
                   timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == username
    return tokens.json()


@pytest.mark.parametrize("service", HTTP_SERVICES)
def test_health_and_readiness(deployment, service):
    url = deployment.urls[service]
    assert httpx.get(f"{url}/healthz").status_code == 200
    ready = httpx.get(f"{url}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ok"


def test_worker_metrics(deployment):
    response = httpx.get(f"{deployment.urls['worker']}/metrics")
    assert response.status_code == 200
    assert "worker_queue_depth" in response.text


def healthz_count(metrics: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith("http_requests_total{") and 'route="/healthz"' in line)


def test_multiprocess_metrics_under_a_read_only_root(deployment):
    """Two uvicorn workers write their samples to the multiprocess dir under /tmp, and
    /metrics sums them whichever worker answers the scrape."""
    url = deployment.urls["resources"]
    before = healthz_count(httpx.get(f"{url}/metrics").text)
    for _ in range(20):
        httpx.get(f"{url}/healthz")  # a new connection each: both workers take some
    after = healthz_count(httpx.get(f"{url}/metrics").text)
    assert after - before == 20


@pytest.mark.parametrize("implementation", ["auth", "admin"])
def test_register_login_me(deployment, implementation):
    journey(deployment.urls[implementation])


def test_a_token_of_the_containerised_auth_reads_on_resources(deployment):
    tokens = journey(deployment.urls["auth"])
    me = httpx.get(f"{deployment.urls['auth']}/auth/me",
                   headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    user = httpx.get(f"{deployment.urls['resources']}/users/{me['id']}",
                     headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert user.status_code == 200, user.text


def test_upload_is_processed_by_the_worker(deployment):
    tokens = journey(deployment.urls["auth"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    files = deployment.urls["files"]
    created = httpx.post(f"{files}/files", headers=headers, files={"file": ("red.png", png(), "image/png")})
    assert created.status_code == 201, created.text
    file_id = created.json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = httpx.get(f"{files}/files/{file_id}", headers=headers).json()
        if current["status"] != "pending":
            break
        time.sleep(0.2)
    assert current["status"] == "ready", (current, deployment.containers["worker"].logs())
    assert current["sha256"]


@pytest.mark.parametrize("service", SERVICES)
def test_runs_as_the_image_user_not_root(deployment, service):
    result = deployment.containers[service].exec("python", "-c", "import os; print(os.getuid(), os.getgid())")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().split() == ["10001", "10001"]


@pytest.mark.parametrize("service", SERVICES)
def test_root_filesystem_is_read_only(deployment, service):
    probe = ("import sys\nfor path in ('/probe', '/app/probe', '/app/.venv/probe'):\n"
             "    try:\n        open(path, 'w')\n    except OSError as exc:\n        print(exc.errno)\n"
             "    else:\n        sys.exit(path + ' is writable')\nopen('/tmp/probe', 'w').write('ok')\n")
    result = deployment.containers[service].exec("python", "-c", probe)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.decode().split() == ["30", "30", "30"]  # EROFS each time


@pytest.mark.parametrize("service", SERVICES)
def test_sigterm_stops_cleanly_within_the_grace_period(engine, deployment, service):
    """A fresh container of the service (so the others keep serving), stopped as the
    kubelet stops it: SIGTERM, then SIGKILL only after the grace period."""
    env = dict(deployment.env)
    port = free_port()
    if service in ("auth", "resources", "files"):
        env |= {"UVICORN_HOST": "127.0.0.1", "UVICORN_PORT": str(port),
                "APP_JWKS_URL": f"{deployment.urls['auth']}/.well-known/jwks.json"}
        probe = f"http://127.0.0.1:{port}/readyz"
    elif service == "admin":
        env |= {"GUNICORN_BIND": f"127.0.0.1:{port}"}
        probe = f"http://127.0.0.1:{port}/readyz"
    else:
        env |= {"APP_WORKER_METRICS_HOST": "127.0.0.1", "APP_WORKER_METRICS_PORT": str(port)}
        probe = f"http://127.0.0.1:{port}/metrics"
    with container(engine, service, env, deployment.volumes[service]) as box:
        box.wait_http(probe)
        stop = engine.run(engine.podman("stop", "--time", str(GRACE_SECONDS), box.name), check=False)
        code = engine.run(engine.podman("inspect", "--format", "{{.State.ExitCode}}", box.name)).stdout
        assert stop.returncode == 0, stop.stderr
        # Exit code 0, not 137: it stopped on SIGTERM, before the SIGKILL that ends the
        # grace period (no clock: how long it took depends on how loaded the machine is).
        assert int(code.decode().strip()) == 0, f"{service} did not stop cleanly:\n{box.logs()}"
