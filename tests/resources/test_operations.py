"""Health, readiness, docs, metrics of the resources service."""

from __future__ import annotations

import httpx

from tests.support.problems import assert_problem


def test_health_ready_docs(resources_url):
    assert httpx.get(f"{resources_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{resources_url}/readyz")
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert httpx.get(f"{resources_url}/docs").status_code == 200
    paths = httpx.get(f"{resources_url}/openapi.json").json()["paths"]
    assert set(paths) >= {"/users/{id}", "/users/{id}/overview", "/posts", "/posts/{id}",
                          "/posts/{id}/comments", "/comments/{id}", "/jobs", "/jobs/{id}"}
    post_schema = paths["/posts/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert post_schema["schema"]["$ref"].endswith("/Post")


def test_metrics_label_requests_with_route_templates(as_alice, alice, resources_url):
    as_alice.get(f"/users/{alice.id}")
    text = httpx.get(f"{resources_url}/metrics").text
    assert ('http_requests_total{framework="fastapi",method="GET",route="/users/{id}",'
            'service="resources",status="200"}') in text
    assert f"/users/{alice.id}\"" not in text


def test_database_down_is_a_503_on_every_path_not_a_hang(settings, alice):
    from devstack.net import free_port
    from resources_service.main import create_app
    from saaskit.settings import Settings
    from tests.support.servers import threaded_server

    dead = Settings(**{**settings.model_dump(), "database_connect_timeout": 1.0,
                       "database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/app"})
    with threaded_server(create_app(dead)) as url:
        # The lean driver-level read and the SQLAlchemy Core path.
        for path in (f"/users/{alice.id}", f"/users/{alice.id}/overview", "/posts"):
            # No hang: the 503 comes from the service's own 1 s connect timeout; a hang would end in
            # this client's timeout and fail the test. How fast is not asserted (a loaded machine is
            # slow); tests/contract/test_faults.py holds the documented sub-second bound.
            response = httpx.get(url + path, headers=alice.headers, timeout=30)
            assert_problem(response, 503, path)
            assert "retry-after" in response.headers and "asyncpg" not in response.text
