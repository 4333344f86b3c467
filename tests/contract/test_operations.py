"""Contract: health, readiness and metrics, on both stacks."""

from __future__ import annotations

import re

import httpx

from tests.support.api import new_account


def test_health_and_readiness(stack):
    for url in set(stack.urls.values()):
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ok" and {"database", "redis"} <= set(body["checks"])


def test_metrics_use_the_contract_names_and_route_templates(stack):
    account = new_account(stack.auth)
    stack.get(f"/users/{account.id}", headers=account.headers)
    stack.get(f"/users/{account.id}", headers=account.headers)
    text = httpx.get(stack.url("/users").replace("/users", "") + "/metrics").text
    route_labels = set(re.findall(r'http_requests_total\{[^}]*route="([^"]*)"', text))
    assert "/users/{id}" in route_labels
    assert not any(str(account.id) in label for label in route_labels)
    for name in (
        "http_request_duration_seconds_bucket",
        "http_requests_in_progress",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
    ):
        assert name in text
    framework = "django" if stack.name == "django" else "fastapi"
    assert f'framework="{framework}"' in text
