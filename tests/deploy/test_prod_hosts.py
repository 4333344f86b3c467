"""Under values-prod.yaml, Django answers everyone the chart itself sends to it: the
kubelet's probes (``Host: <pod IP>:8000``), Prometheus' scrape (the pod's address), the
``helm test`` pod and other in-cluster callers (the Service's DNS names), and the public
name through the ingress; any other Host is still refused (400).

The Django service runs with exactly the environment the chart renders for its container
in production (ConfigMap, Secret, then ``env`` with ``$(VAR)`` and the downward API
resolved as the kubelet does, tests/deploy/chart.py), with only the addresses of the
backing services and the signing keys' directory pointed at the test session's (real
PostgreSQL, Redis and an S3 endpoint; production names an existing signing-key Secret,
stood in for by the session's key directory): none of those touches a host setting. Each
caller's Host header is derived from the rendered object that makes the call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest

from saaskit.storage.s3 import S3Storage
from tests.deploy import chart

POD = chart.PodFacts(ip="10.42.3.17")

_CALLS = """
import json, os
from django.test import Client
client = Client()
seen = {}
for label, method, path, host, body in json.loads(os.environ["SAAS_CALLS"]):
    extra = {"HTTP_HOST": host}
    if label == "public":
        extra["HTTP_X_FORWARDED_PROTO"] = "https"
    if method == "POST":
        answer = client.post(path, data=body, content_type="application/json", **extra)
    else:
        answer = client.get(path, **extra)
    seen[label] = answer.status_code
print(json.dumps(seen))
"""


def _port_number(container: dict, port: str | int) -> int:
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p["name"] == port)


def _callers(rendered: chart.Rendered) -> list[tuple[str, str, str, str, str | None]]:
    """(label, method, path, Host header, body) of every call the chart makes to Django."""
    deployment = rendered.get("Deployment", "saas-admin")
    (container,) = chart.pod_spec(deployment)["containers"]
    calls = []
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        # The kubelet asks the pod's IP unless the probe names a host or a Host header.
        host = f"{get.get('host', POD.ip)}:{_port_number(container, get['port'])}"
        host = next((h["value"] for h in get.get("httpHeaders", []) if h["name"].lower() == "host"), host)
        calls.append((f"kubelet {probe}", "GET", get["path"], host, None))
    # Prometheus scrapes each endpoint of the ServiceMonitor at the pod's address.
    for endpoint in rendered.get("ServiceMonitor", "saas-admin")["spec"]["endpoints"]:
        service = rendered.get("Service", "saas-admin")
        target = next(p["targetPort"] for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
        calls.append(("prometheus", "GET", endpoint.get("path", "/metrics"),
                      f"{POD.ip}:{_port_number(container, target)}", None))
    # The helm test pod: every URL it is given for the Django service.
    command = chart.pod_spec(rendered.get("Pod", "saas-test"))["containers"][0]["command"]
    urls = [command[i + 1] for i, a in enumerate(command) if a == "--ready"]
    urls += [command[i + 1].split("=", 1)[1] for i, a in enumerate(command) if a == "--stack"]
    django = {u for u in urls if urlsplit(u).port == container["ports"][0]["containerPort"]}
    assert django, command
    for url in sorted(django):
        host = urlsplit(url).netloc
        calls.append((f"helm test {host} readyz", "GET", "/readyz", host, None))
        body = json.dumps({"email": f"{uuid.uuid4().hex[:10]}@example.com",
                           "username": f"u{uuid.uuid4().hex[:12]}", "password": "correct horse 9"})
        calls.append((f"helm test {host} register", "POST", "/auth/register", host, body))
    # Other in-cluster callers (another namespace, e.g. the k6 Job) by the Service's full name.
    calls.append(("in-cluster fqdn", "GET", "/readyz", "saas-admin.saas.svc.cluster.local:8000", None))
    calls.append(("public", "GET", "/readyz", "admin.example.com", None))
    calls.append(("foreign host", "GET", "/healthz", "evil.example.net", None))
    return calls


@pytest.fixture
def prod_admin_env(database_url, redis_url, s3_endpoint, keys_dir) -> dict[str, str]:
    rendered = chart.render_prod()
    env = chart.container_env(rendered, rendered.get("Deployment", "saas-admin"), pod=POD)
    bucket = f"hosts-{uuid.uuid4().hex[:12]}"
    S3Storage(s3_endpoint, bucket, "testing", "testing", secure=False).ensure_bucket()
    backing = {"APP_DATABASE_URL": database_url, "APP_REDIS_URL": redis_url, "APP_S3_ENDPOINT": s3_endpoint,
               "APP_S3_SECURE": "false", "APP_S3_BUCKET": bucket, "APP_S3_ACCESS_KEY": "testing",
               "APP_S3_SECRET_KEY": "testing", "APP_JWT_KEYS_DIR": str(keys_dir)}
    assert not {k for k in backing if "HOST" in k or "ORIGIN" in k}
    return {**env, **backing}


def test_prod_django_answers_probes_prometheus_and_helm_test(prod_admin_env):
    rendered = chart.render_prod()
    calls = _callers(rendered)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "OTEL_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-m", "admin_service.manage", "shell", "-c", _CALLS],
        env={**base, **prod_admin_env, "APP_LOG_JSON": "false", "SAAS_CALLS": json.dumps(calls)},
        cwd=chart.ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {label: (201 if method == "POST" else 200) for label, method, *_ in calls}
    expected["foreign host"] = 400
    assert seen == expected
    # What was asked: the kubelet at the pod IP, Prometheus at the pod IP, helm test at the Service.
    hosts = {label: host for label, _, _, host, _ in calls}
    assert hosts["kubelet livenessProbe"].startswith(POD.ip + ":") and hosts["prometheus"].startswith(POD.ip + ":")
    assert "helm test saas-admin:8000 register" in hosts
