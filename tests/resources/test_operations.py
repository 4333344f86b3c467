"""Health, readiness, docs, metrics of the resources service."""

from __future__ import annotations

import httpx


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
