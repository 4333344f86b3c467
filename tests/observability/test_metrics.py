"""The two implementations export the same metric families, with the same label names,
so every dashboard query and recording rule works for both; and the new families carry
values after traffic: the database pools and the upload sizes."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import new_account
from tests.worker.conftest import wait_for

# The runtime's own families differ by server (gunicorn's multiprocess registry has no
# python_gc_*): they are no part of the contract.
RUNTIME_PREFIXES = ("python_", "process_")


def families(urls) -> dict[str, set[frozenset[str]]]:
    found: dict[str, set[frozenset[str]]] = {}
    for url in urls:
        for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
            if family.name.startswith(RUNTIME_PREFIXES):
                continue
            for sample in family.samples:
                found.setdefault(sample.name, set()).add(frozenset(sample.labels) - {"le"})
    return found


def samples(url: str, name: str) -> dict[tuple, float]:
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text)
            for s in family.samples if s.name == name}


def drive(stack) -> None:
    owner = new_account(stack.auth)
    assert stack.post("/posts", json={"title": "t", "body": "b"}, headers=owner.headers).status_code == 201
    response = stack.post("/files", files={"file": ("a.txt", b"x" * 3000, "text/plain")}, headers=owner.headers)
    assert response.status_code == 201, response.text


def test_both_stacks_export_the_same_families(fastapi_obs, django_obs):
    drive(fastapi_obs)
    drive(django_obs)
    fastapi = families(set(fastapi_obs.urls.values()))
    django = families({django_obs.urls["auth"]})
    assert fastapi == django
    for name in ("http_requests_total", "http_request_duration_seconds", "http_requests_in_progress",
                 "db_pool_connections_in_use", "db_pool_connections_waiting", "db_pool_connections_max",
                 "file_upload_size_bytes"):
        assert any(n == name or n.startswith(name + "_") for n in fastapi), name


def test_pool_and_upload_metrics_have_values(fastapi_obs, django_obs):
    drive(fastapi_obs)
    drive(django_obs)
    for url, service, framework in ((fastapi_obs.urls["files"], "files", "fastapi"),
                                    (django_obs.urls["files"], "admin", "django")):
        labels = (("framework", framework), ("service", service))
        assert samples(url, "file_upload_size_bytes_sum")[labels] >= 3000
        # The sampler ticks once a second; the pool holds connections once it served one.
        wait_for(lambda url=url, labels=labels: samples(url, "db_pool_connections_max").get(labels, 0) >= 4,
                 timeout=10, what=f"{service}'s pool size")
        assert samples(url, "db_pool_connections_in_use")[labels] >= 0
        assert samples(url, "db_pool_connections_waiting")[labels] == 0
