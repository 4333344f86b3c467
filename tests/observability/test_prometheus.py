"""Checked against the real thing: Debian's Prometheus on loopback scrapes this suite's
services of both implementations and the worker (1 s interval, with the ``namespace``,
``saas_release`` and ``container`` labels the chart's ServiceMonitors give a target),
loads the chart's rule file, and receives a k6 run per implementation by remote write. After some traffic and jobs, every panel query of every
dashboard (variables substituted) returns data, for both implementations wherever it is
split by framework; every recording rule evaluates to data; and no alert fires.

Panels that need a cluster (kube-state-metrics, an HPA) cannot have data here: they are
listed in ``CLUSTER_ONLY`` with the reason, and only parsed (test_dashboards.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from dashboards.build import DASHBOARDS, render

from tests.observability.grafana import panel_queries, substitute
from tests.support.api import new_account
from tests.support.servers import process_server
from tests.worker.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "helm/saas/rules/saas.yaml"
BIN = Path(sys.executable).parent
FRAMEWORKS = {"fastapi", "django"}
CLUSTER_ONLY = {
    ("fastapi-vs-django", "Replicas available"): "kube_deployment_* comes from kube-state-metrics",
    ("fastapi-vs-django", "HPA desired vs current"): "kube_horizontalpodautoscaler_* needs an HPA",
}
K6_SCRIPT = """
import http from 'k6/http';
const params = { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } };
export default function () { http.get(`${__ENV.BASE}/posts?limit=5`, params); }
"""


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, expr: str) -> list[dict]:
        body = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10).json()
        assert body["status"] == "success", (expr, body)
        return body["data"]["result"]

    def get(self, path: str, **params) -> dict:
        body = httpx.get(f"{self.url}{path}", params=params, timeout=10).json()
        assert body["status"] == "success", body
        return body["data"]


def hostport(url: str) -> str:
    return urlsplit(url).netloc


@pytest.fixture(scope="module")
def prometheus(fastapi_obs, django_obs, worker_obs, tmp_path_factory) -> Iterator[Prometheus]:
    work = tmp_path_factory.mktemp("prometheus")
    targets = {**{name: fastapi_obs.urls[name] for name in ("auth", "resources", "files")},
               "admin": django_obs.urls["auth"], "worker": worker_obs.metrics_url}
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            # The labels the chart's ServiceMonitors give every target (the rule file
            # names release "saas" in namespace "saas"; the chart writes its own in).
            {"job_name": job, "static_configs": [{"targets": [hostport(url)], "labels": {
                "namespace": "saas", "saas_release": "saas", "container": job}}]}
            for job, url in targets.items()
        ],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    command = ["prometheus", f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
               "--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver"]
    with process_server(command, {}, health_path="/-/ready", log_path=work / "prometheus.log") as url:
        yield Prometheus(url)


def k6(stack, prometheus: Prometheus, token: str, work: Path) -> None:
    script = work / "load.js"
    script.write_text(K6_SCRIPT)
    env = {"BASE": stack.urls["resources"], "TOKEN": token, "K6_NO_USAGE_REPORT": "true",
           "K6_PROMETHEUS_RW_SERVER_URL": f"{prometheus.url}/api/v1/write",
           "K6_PROMETHEUS_RW_TREND_STATS": "p(95),p(99)", "K6_PROMETHEUS_RW_PUSH_INTERVAL": "1s",
           "PATH": "/usr/bin:/bin"}
    subprocess.run([str(BIN / "k6"), "run", "--quiet", "--vus", "2", "--duration", "5s", "--tag",
                    f"testid={stack.name}", "-o", "experimental-prometheus-rw", str(script)],
                   env=env, check=True, timeout=120, capture_output=True)


@pytest.fixture(scope="module")
def driven(prometheus, fastapi_obs, django_obs, tmp_path_factory) -> Prometheus:
    """Traffic, uploads and jobs on both stacks, and one k6 run against each."""
    work = tmp_path_factory.mktemp("k6")
    for stack in (fastapi_obs, django_obs):
        owner = new_account(stack.auth)
        assert stack.post("/posts", json={"title": "t", "body": "b"}, headers=owner.headers).status_code == 201
        assert stack.get(f"/users/{owner.id}", headers=owner.headers).status_code == 200
        assert stack.get("/posts/999999", headers=owner.headers).status_code == 404
        upload = stack.post("/files", files={"file": ("a.txt", b"x" * 5000, "text/plain")}, headers=owner.headers)
        assert upload.status_code == 201
        job = stack.post("/jobs", json={"type": "export_posts"}, headers=owner.headers).json()
        wait_for(lambda stack=stack, job=job, owner=owner: stack.get(
            f"/jobs/{job['id']}", headers=owner.headers).json()["status"] == "succeeded", what="an export")
        k6(stack, prometheus, owner.access_token, work)

    def ready():
        frameworks = {r["metric"].get("framework") for r in prometheus.query(
            "sum by (framework) (rate(http_requests_total[1m]))")}
        outcomes = {r["metric"]["outcome"] for r in prometheus.query("worker_jobs_total")}
        testids = {r["metric"].get("testid") for r in prometheus.query("k6_http_reqs_total")}
        return frameworks >= FRAMEWORKS and outcomes >= {"succeeded", "retried", "failed"} and \
            testids >= FRAMEWORKS
    wait_for(ready, timeout=60, what="scraped traffic, job outcomes and k6 samples")
    return prometheus


def all_queries():
    for name in sorted(DASHBOARDS):
        for title, expr in panel_queries(json.loads(render(name))):
            yield pytest.param(name, title, expr, id=f"{name}:{title}:{expr[:40]}")


@pytest.mark.parametrize(("dashboard", "title", "expr"), list(all_queries()))
def test_every_panel_query_returns_data(driven, dashboard, title, expr):
    if (dashboard, title) in CLUSTER_ONLY:
        assert driven.query(substitute(expr)) == []  # no cluster here: provably empty, not broken
        return
    result = driven.query(substitute(expr))
    assert result, f"{dashboard} / {title}: no data for {substitute(expr)}"
    if "framework" in expr:
        assert {r["metric"].get("framework") for r in result} >= FRAMEWORKS, (title, result)


def test_every_variable_has_values(driven):
    for name in sorted(DASHBOARDS):
        for variable in json.loads(render(name))["templating"]["list"]:
            if variable["type"] != "query":
                continue
            source = variable["query"].removeprefix("label_values(").removesuffix(")")
            metric, _, label = source.rpartition(", ")
            values = driven.get(f"/api/v1/label/{label}/values", **{"match[]": substitute(metric)})
            assert values, f"{name}: ${variable['name']} has no values"


def test_every_recording_rule_evaluates_and_no_alert_fires(driven):
    time.sleep(2)  # a couple of evaluations after the traffic settled
    groups = driven.get("/api/v1/rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert rules and all(rule["health"] == "ok" for rule in rules), [r for r in rules if r["health"] != "ok"]
    recorded = [rule["name"] for rule in rules if rule["type"] == "recording"]
    assert len(recorded) == 12
    for name in recorded:
        result = driven.query(name)
        if name == "release:worker_queue_depth:max":  # the queue is both stacks'
            assert result, name
            continue
        assert {r["metric"].get("framework") for r in result} >= FRAMEWORKS, name
    alerts = driven.get("/api/v1/alerts")["alerts"]
    assert alerts == [], alerts
