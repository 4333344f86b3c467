"""Health, readiness, metrics, docs, and behaviour when a dependency is down."""


import httpx

from auth_service.main import create_app
from devstack.net import free_port
from saaskit.settings import Settings
from tests.support.problems import assert_problem
from tests.support.servers import threaded_server


def test_health_ready_docs(auth_url):
    assert httpx.get(f"{auth_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{auth_url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert httpx.get(f"{auth_url}/docs").status_code == 200
    paths = httpx.get(f"{auth_url}/openapi.json").json()["paths"]
    assert {"/auth/register", "/auth/token", "/auth/refresh", "/auth/logout", "/auth/me",
            "/.well-known/jwks.json"} <= set(paths)


def test_metrics_use_route_templates_and_contract_labels(auth_url):
    httpx.get(f"{auth_url}/healthz")
    httpx.get(f"{auth_url}/no/such/path")
    text = httpx.get(f"{auth_url}/metrics").text
    assert ('http_requests_total{framework="fastapi",method="GET",route="/healthz",'
            'service="auth",status="200"}') in text
    assert 'route="unmatched"' in text and "/no/such/path" not in text
    assert 'http_request_duration_seconds_bucket{framework="fastapi",le="0.005",method="GET",route="/healthz",service="auth"}' in text
    assert 'http_requests_in_progress{framework="fastapi",service="auth"}' in text
    assert "process_cpu_seconds_total" in text and "process_resident_memory_bytes" in text


def test_unknown_route_is_a_problem(auth_url):
    response = httpx.get(f"{auth_url}/nope")
    assert_problem(response, 404)


def test_database_down_gives_503_not_a_hang(settings):
    dead = Settings(**{
        **settings.model_dump(),
        "database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/app",
        "database_connect_timeout": 1.0,
    })
    with threaded_server(create_app(dead)) as url:
        # No hang: the 503 comes from the service's own 1 s connect timeout; a hang would end in
        # this client's timeout and fail the test. How fast is not asserted (a loaded machine is
        # slow); tests/contract/test_faults.py holds the documented sub-second bound.
        response = httpx.post(f"{url}/auth/token", data={"username": "ada", "password": "x1234567"}, timeout=30)
        ready = httpx.get(f"{url}/readyz", timeout=10)
    assert_problem(response, 503)
    assert "retry-after" in response.headers
    assert "Traceback" not in response.text and "asyncpg" not in response.text
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("failed")
    assert ready.json()["checks"]["redis"] == "ok"


def test_redis_down_does_not_lose_a_registration(settings):
    dead = Settings(**{**settings.model_dump(), "redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    with threaded_server(create_app(dead)) as url:
        response = httpx.post(f"{url}/auth/register", json={
            "email": "r@example.com", "username": "redis_down", "password": "correct horse 9",
        }, timeout=10)
        ready = httpx.get(f"{url}/readyz", timeout=10)
    assert response.status_code == 201
    assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("failed")


def test_the_real_process_serves_and_stops_gracefully_on_sigterm(settings, tmp_path):
    """As in Kubernetes: configured by environment variables alone, stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    from devstack.net import wait_http

    port = free_port()
    env = {
        **os.environ,
        "APP_ENVIRONMENT": "test",
        "APP_SECRET_KEY": "test-secret-key",
        "APP_DATABASE_URL": settings.database_url,
        "APP_REDIS_URL": settings.redis_url,
        "APP_JWT_KEYS_DIR": str(settings.jwt_keys_dir),
        "APP_LOG_JSON": "true",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "auth_service.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 30, proc)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    # uvicorn shuts down gracefully, then re-raises the signal (exit status -15).
    assert proc.returncode in (0, -signal.SIGTERM)
    lines = [line for line in output.decode().splitlines() if line.startswith("{")]
    assert any('"service stopped"' in line for line in lines), output.decode()[-2000:]
