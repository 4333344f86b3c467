"""The chart lints strictly, renders for every value set, and every object it renders is
valid Kubernetes for the two newest minor versions kubernetes-validate knows."""

from __future__ import annotations

import base64
import json
import shutil

import helm_python
import pytest
import yaml

from saaskit.security.keys import KeySet
from tests.deploy import chart

VERSIONS = chart.newest_kube_versions()


@pytest.fixture(scope="module", params=list(chart.VARIANTS))
def variant(request):
    return request.param, chart.VARIANTS[request.param]()


def test_two_newest_versions_are_checked():
    minors = [tuple(int(n) for n in v.split(".")[:2]) for v in VERSIONS]
    assert len(minors) == 2 and minors[0] < minors[1]


@pytest.mark.parametrize("variant_name", list(chart.VARIANTS))
@pytest.mark.parametrize("kube_version", VERSIONS)
def test_lint_strict_is_clean(variant_name, kube_version):
    report = helm_python.lint(str(chart.CHART), chart.lint_values(variant_name), strict=True,
                              kube_version=f"v{kube_version}")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert report["errors"] == [] and problems == []


@pytest.mark.parametrize("kube_version", VERSIONS)
def test_every_object_is_valid_kubernetes(variant, kube_version):
    name, rendered = variant
    errors, skipped = chart.validate(rendered, kube_version)
    assert errors == []
    # Only the custom resources are left unchecked, and they are named in CRD_KINDS.
    assert {label.split("/")[0] for label in skipped} <= set(chart.CRD_KINDS)


def test_every_variant_renders_the_five_services(variant):
    name, rendered = variant
    deployments = {d["metadata"]["name"] for d in rendered.of_kind("Deployment")}
    assert deployments == {f"saas-{svc}" for svc in chart.SERVICES}
    services = {d["metadata"]["name"] for d in rendered.of_kind("Service")}
    assert {f"saas-{svc}" for svc in chart.SERVICES} <= services


def test_dev_dependencies_only_in_default_values():
    default = chart.render_default()
    prod = chart.render_prod()
    deps = {"saas-postgresql", "saas-redis", "saas-minio"}
    assert {d["metadata"]["name"] for d in default.of_kind("StatefulSet")} == deps
    assert {d["metadata"]["name"] for d in default.of_kind("Service")} >= deps
    assert prod.of_kind("StatefulSet") == []


def test_optional_objects_follow_their_switches():
    prod = chart.render_prod()
    minimal = chart.render_minimal()
    assert len(prod.of_kind("ServiceMonitor")) == 5
    assert len(prod.of_kind("ScaledObject")) == 1
    assert len(prod.of_kind("Ingress")) == 1
    assert prod.of_kind("NetworkPolicy")
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "NetworkPolicy",
                 "ServiceMonitor", "ScaledObject", "Pod", "StatefulSet"):
        assert minimal.of_kind(kind) == [], kind


def test_notes_print_a_port_forward_line_per_service():
    notes = chart.render_default().notes
    for svc in (*chart.SERVICES, "postgresql", "redis", "minio"):
        assert f"port-forward svc/saas-{svc} " in notes, svc
    with_grafana = chart.render(overrides={"metrics": {"grafana": {"service": "grafana", "namespace": "monitoring"}}})
    assert "kubectl -n monitoring port-forward svc/grafana 3000:80" in with_grafana.notes


def test_the_generated_signing_key_loads_in_the_services_keyset(tmp_path):
    secret = chart.render_default().get("Secret", "saas-jwt-keys")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    for file_name, b64 in secret["data"].items():
        pem = base64.b64decode(b64)
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, not "ED25519 PRIVATE KEY"
        (tmp_path / file_name).write_bytes(pem)
    keys = KeySet.from_dir(tmp_path)
    assert keys.current.jwk()["crv"] == "Ed25519"


def test_signing_keys_are_mounted_only_where_tokens_are_issued():
    rendered = chart.render_default()
    for svc in chart.SERVICES:
        spec = chart.pod_spec(rendered.get("Deployment", f"saas-{svc}"))
        volumes = {v["name"]: v for v in spec["volumes"]}
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        if svc in ("auth", "admin"):
            assert volumes["jwt-keys"]["secret"]["secretName"] == "saas-jwt-keys"
            assert env["APP_JWT_KEYS_DIR"]["value"] == "/etc/saas/jwt-keys"
        else:
            assert "jwt-keys" not in volumes


def test_existing_secrets_replace_the_rendered_ones():
    rendered = chart.render(overrides={"secrets": {"existingSecret": "my-env"}, "jwt": {"existingSecret": "my-keys"}})
    names = {d["metadata"]["name"] for d in rendered.of_kind("Secret")}
    assert "saas" not in names and "saas-jwt-keys" not in names and "saas-migrate" not in names
    auth = chart.pod_spec(rendered.get("Deployment", "saas-auth"))
    assert {"secretRef": {"name": "my-env"}} in auth["containers"][0]["envFrom"]
    assert {v["name"]: v for v in auth["volumes"]}["jwt-keys"]["secret"]["secretName"] == "my-keys"
    job = chart.pod_spec(rendered.get("Job", "saas-migrate"))
    assert job["containers"][0]["envFrom"] == [{"secretRef": {"name": "my-env"}}]


def _chart_copy(tmp_path, with_files: bool):
    copy = tmp_path / "saas"
    shutil.copytree(chart.CHART, copy, ignore=shutil.ignore_patterns("dashboards", "rules"))
    if with_files:
        (copy / "dashboards").mkdir()
        (copy / "dashboards" / "sample_overview.json").write_text(json.dumps({"title": "Sample", "panels": []}))
        (copy / "rules").mkdir()
        for n in (1, 2):
            rules = {"groups": [{"name": f"sample-{n}", "rules": [{"record": f"sample:{n}", "expr": "vector(1)"}]}]}
            (copy / "rules" / f"sample{n}.yaml").write_text(yaml.safe_dump(rules))
    return copy


MONITORING_ON = {"metrics": {"dashboards": {"enabled": True}, "prometheusRule": {"enabled": True}}}


def test_dashboards_and_rules_ship_from_the_chart_folders(tmp_path):
    rendered = chart.render(overrides=MONITORING_ON, chart_dir=_chart_copy(tmp_path, with_files=True))
    dashboard = rendered.get("ConfigMap", "saas-dashboard-sample-overview")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["sample_overview.json"]) == {"title": "Sample", "panels": []}
    rule = rendered.get("PrometheusRule", "saas")
    assert [g["name"] for g in rule["spec"]["groups"]] == ["sample-1", "sample-2"]


def test_no_dashboard_or_rule_files_render_nothing(tmp_path):
    rendered = chart.render(overrides=MONITORING_ON, chart_dir=_chart_copy(tmp_path, with_files=False))
    assert rendered.of_kind("PrometheusRule") == []
    assert [c for c in rendered.of_kind("ConfigMap") if "grafana_dashboard" in c["metadata"]["labels"]] == []
