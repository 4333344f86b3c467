"""What the ingress controller does to requests on their way to the services.

ingress-nginx refuses a body over 1 MiB by default (the contract allows 50 MiB uploads)
and buffers whole request bodies before it passes them on, which defeats the services'
streaming uploads (the files service checks size and type chunk by chunk). The chart
renders both settings from ``config.maxUploadBytes``.

Both hosts route the contract's paths (and the admin host the Django twin's admin and
API document, and the FastAPI side's admin, /sqladmin, on the resources service), never ``/metrics``, ``/healthz`` or ``/readyz``: those are asked at the pod.
"""

from __future__ import annotations

import re

import helm_python
import pytest

from saaskit.files.uploads import ENVELOPE_BYTES
from tests.deploy import chart

NGINX = "nginx.ingress.kubernetes.io/"


def ingress_annotations(**overrides) -> dict[str, str]:
    (ingress,) = chart.render(chart.PROD_VALUES, overrides={**chart.PROD_SECRETS, **overrides}).of_kind("Ingress")
    return ingress["metadata"].get("annotations") or {}


def test_the_body_limit_follows_the_upload_limit_and_bodies_stream():
    limit = chart.load_values(chart.CHART / "values.yaml")["config"]["maxUploadBytes"]
    notes = ingress_annotations()
    # The whole multipart body a file at the limit can need (saaskit.files.uploads): the
    # services, not the controller, answer 413 as problem+json at the contract's limit.
    assert notes[NGINX + "proxy-body-size"] == str(limit + ENVELOPE_BYTES)
    assert notes[NGINX + "proxy-request-buffering"] == "off"
    # The operator's own annotations are kept beside them.
    assert notes[NGINX + "force-ssl-redirect"] == "true"


def test_a_raised_upload_limit_raises_the_controllers():
    notes = ingress_annotations(config={"maxUploadBytes": 200 * 1024 * 1024})
    assert int(notes[NGINX + "proxy-body-size"]) == 200 * 1024 * 1024 + ENVELOPE_BYTES


def test_an_operator_annotation_wins():
    notes = ingress_annotations(ingress={"annotations": {NGINX + "proxy-body-size": "0"}})
    assert notes[NGINX + "proxy-body-size"] == "0"
    assert notes[NGINX + "proxy-request-buffering"] == "off"


def contract_paths() -> set[str]:
    """Every path of the contract's endpoint tables, ``{id}`` filled in."""
    text = (chart.ROOT / "docs" / "contract" / "API.md").read_text()
    paths = {m.group(1) for m in re.finditer(r"^\| (?:GET|POST|PUT|PATCH|DELETE) `([^`]+)`", text, re.M)}
    return {p.replace("{id}", "42") for p in paths}


def routed(rule: dict, path: str) -> str | None:
    """The Service an Ingress rule sends ``path`` to (pathType Prefix: whole segments)."""
    best = None
    for p in rule["http"]["paths"]:
        prefix = p["path"].rstrip("/")
        matches = p["path"] == "/" or path == prefix or path.startswith(prefix + "/")
        if p["pathType"] == "Exact":
            matches = path == p["path"]
        if matches and (best is None or len(p["path"]) > len(best["path"])):
            best = p
    return best["backend"]["service"]["name"] if best else None


def test_both_hosts_route_the_contract_and_neither_the_operations_paths():
    (ingress,) = chart.render_prod().of_kind("Ingress")
    api, admin = ingress["spec"]["rules"]
    paths = contract_paths()
    assert len(paths) >= 20
    for path in paths:
        assert routed(api, path) in {"saas-auth", "saas-resources", "saas-files"}, path
        assert routed(admin, path) == "saas-admin", path
    for path in ("/admin/", "/admin/login/", "/static/admin/css/base.css", "/docs", "/openapi.json"):
        assert routed(admin, path) == "saas-admin", path
    # Both staff admins on the staff-facing host: SQLAdmin is mounted on the resources service.
    for path in ("/sqladmin/", "/sqladmin/login", "/sqladmin/statics/css/main.css"):
        assert routed(admin, path) == "saas-resources", path
        assert routed(api, path) is None, path
    # Metrics and health are asked at the pod (kubelet, Prometheus), never published.
    for path in ("/metrics", "/healthz", "/readyz", "/"):
        assert routed(api, path) is None and routed(admin, path) is None, path


# --- the Gateway API -------------------------------------------------------------------

GATEWAY = {"httpRoute": {"enabled": True, "parentRefs": [{"name": "public", "namespace": "gateway-system",
                                                          "sectionName": "https"}]},
           "ingress": {"enabled": False}}


def as_ingress_rule(route: dict) -> dict:
    """An HTTPRoute's rules as an Ingress rule's paths (PathPrefix is Prefix: whole segments)."""
    paths = [{"path": m["path"]["value"], "pathType": "Prefix",
              "backend": {"service": {"name": r["backendRefs"][0]["name"]}}}
             for r in route["spec"]["rules"] for m in r["matches"]]
    assert all(m["path"]["type"] == "PathPrefix" for r in route["spec"]["rules"] for m in r["matches"])
    return {"http": {"paths": paths}}


def test_http_routes_route_what_the_ingress_routes():
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, GATEWAY))
    assert rendered.of_kind("Ingress") == []
    api, admin = rendered.get("HTTPRoute", "saas-api"), rendered.get("HTTPRoute", "saas-admin")
    for route in (api, admin):
        assert route["spec"]["parentRefs"] == GATEWAY["httpRoute"]["parentRefs"]
    assert api["spec"]["hostnames"] == ["api.example.com"] and admin["spec"]["hostnames"] == ["admin.example.com"]
    (ingress,) = chart.render_prod().of_kind("Ingress")
    ingress_api, ingress_admin = ingress["spec"]["rules"]
    for path in contract_paths() | {"/admin/", "/sqladmin/", "/docs", "/openapi.json", "/metrics", "/healthz", "/readyz",
                                    "/"}:
        assert routed(as_ingress_rule(api), path) == routed(ingress_api, path), path
        assert routed(as_ingress_rule(admin), path) == routed(ingress_admin, path), path
    # backendRefs name a Service port by number (the Gateway API has no named ports).
    services = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in rendered.of_kind("Service")}
    for route in (api, admin):
        for rule in route["spec"]["rules"]:
            (ref,) = rule["backendRefs"]
            assert services[ref["name"]] == ref["port"]


def test_the_gateways_pods_may_reach_the_http_services():
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, GATEWAY))
    for svc in ("auth", "resources", "files", "admin"):
        sources = [p for rule in rendered.get("NetworkPolicy", f"saas-{svc}")["spec"]["ingress"] for p in rule["from"]]
        assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway-system"}}} in sources
    plain = [p for rule in chart.render_prod().get("NetworkPolicy", "saas-auth")["spec"]["ingress"] for p in rule["from"]]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gateway-system"}}} not in plain


def test_http_routes_need_a_gateway():
    with pytest.raises(helm_python.HelmRenderError, match="httpRoute.enabled needs httpRoute.parentRefs"):
        chart.render(overrides={"httpRoute": {"enabled": True}})
    with pytest.raises(helm_python.HelmRenderError, match="serves no gateway.networking.k8s.io/v1/HTTPRoute"):
        chart.render(overrides=GATEWAY, api_versions=())
