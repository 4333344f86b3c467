"""OpenTelemetry resource attributes from the chart and the downward API: every service's
spans say which installation, version, environment, namespace and pod they come from,
as the SDK reads them (OTEL_RESOURCE_ATTRIBUTES, resolved as the kubelet would), and the
NetworkPolicies let the spans reach the collector when one is configured."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.deploy import chart

ENDPOINT = "http://otel-collector.observability:4318"
POD = chart.PodFacts(name="saas-files-6c9d7f-abcde")
TRACED = {"config": {"otel": {"exporterOtlpEndpoint": ENDPOINT, "resourceAttributes": {"cloud.region": "eu-west-1"}}}}

_RESOURCE = """
import json
from opentelemetry.sdk.resources import Resource
print(json.dumps(dict(Resource.create().attributes)))
"""


def sdk_resource(env: dict[str, str]) -> dict[str, str]:
    """The resource the OpenTelemetry SDK builds in a process with this environment."""
    import json

    base = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "OTEL_"))}
    result = subprocess.run([sys.executable, "-c", _RESOURCE], env={**base, **env}, capture_output=True,
                            text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_every_service_reports_where_its_spans_come_from():
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, chart.merge(
        TRACED, {"files": {"image": {"repository": "saas-files", "tag": "1.4.2", "digest": "sha256:" + "0" * 64}}})))
    for svc in chart.SERVICES:
        env = chart.container_env(rendered, rendered.get("Deployment", f"saas-{svc}"), pod=POD)
        attributes = sdk_resource({k: v for k, v in env.items() if k.startswith("OTEL_")})
        assert {k: attributes[k] for k in ("service.namespace", "deployment.environment.name", "k8s.namespace.name",
                                           "k8s.pod.name", "k8s.deployment.name", "cloud.region")} == {
            "service.namespace": "saas", "deployment.environment.name": "production", "k8s.namespace.name": "saas",
            "k8s.pod.name": POD.name, "k8s.deployment.name": f"saas-{svc}", "cloud.region": "eu-west-1"}, svc
        assert attributes["service.version"] == ("1.4.2" if svc == "files" else "dev"), svc


def test_the_spans_may_reach_the_collector_and_only_when_there_is_one():
    traced = chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, TRACED))
    untraced = chart.render_prod()
    collector = chart.load_values(chart.CHART / "values.yaml")["networkPolicy"]["otlpEgressTo"]
    for svc in chart.SERVICES:
        egress = traced.get("NetworkPolicy", f"saas-{svc}")["spec"]["egress"]
        assert {"to": collector, "ports": [{"port": 4318, "protocol": "TCP"}]} in egress, svc
        assert all(rule.get("to") != collector for rule in untraced.get("NetworkPolicy", f"saas-{svc}")["spec"]["egress"])
    tls = chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, {
        "config": {"otel": {"exporterOtlpEndpoint": "https://otlp.example.com"}}}))
    (rule,) = [r for r in tls.get("NetworkPolicy", "saas-auth")["spec"]["egress"] if r.get("to") == collector]
    assert rule["ports"] == [{"port": 443, "protocol": "TCP"}]
