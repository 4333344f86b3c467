"""The Django service's production configuration: Django's own deploy check passes with
the environment the Helm chart renders for production, the API document builds with
warnings treated as errors, missing host settings are refused at start-up, and behind
the TLS-ending ingress the cookies are secure and HSTS is sent, while plain HTTP from
inside the cluster is served (the ingress redirects), unless Django is told to redirect."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy import chart

ROOT = Path(__file__).resolve().parents[2]


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Only our variables: nothing from the developer's shell (an APP_* there) leaks in.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "OTEL_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "admin_service.manage", *args],
        env={**base, "APP_LOG_JSON": "false", **env}, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )


def _admin_env_from_the_chart() -> dict[str, str]:
    """The admin container's environment as the production chart renders it: the
    ConfigMap and Secret it takes whole, then its own plain values."""
    rendered = chart.render_prod()
    (container,) = chart.pod_spec(rendered.get("Deployment", "saas-admin"))["containers"]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if ref := source.get("configMapRef"):
            env.update(rendered.get("ConfigMap", ref["name"])["data"])
        if ref := source.get("secretRef"):
            secret = rendered.get("Secret", ref["name"])
            env.update({k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()})
            env.update(secret.get("stringData") or {})
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


def test_the_deploy_check_passes_with_the_production_settings_the_chart_renders():
    env = _admin_env_from_the_chart()
    assert env["APP_ENVIRONMENT"] == "production" and env["APP_SECURE_PROXY_SSL_HEADER"] == "true"
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_names_what_development_settings_lack():
    """The same check, on a development environment, still finds the missing HTTPS."""
    result = _manage({"APP_ENVIRONMENT": "development"}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "APP_ALLOWED_HOSTS, APP_CSRF_TRUSTED_ORIGINS"),
        ({"APP_ALLOWED_HOSTS": "admin.example.com"}, "APP_CSRF_TRUSTED_ORIGINS"),
        ({"APP_CSRF_TRUSTED_ORIGINS": "https://admin.example.com"}, "APP_ALLOWED_HOSTS"),
    ],
)
def test_hosts_and_origins_are_required_outside_development(given, missing):
    env = {"APP_ENVIRONMENT": "production", "APP_SECRET_KEY": "a-real-secret", **given}
    result = _manage(env, "check")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} must be set outside development" in result.stderr


_HTTPS_PROBE = """
import json
from django.test import Client
c = Client()
plain = c.get("/openapi.json", HTTP_HOST="admin.example.com")
tls = c.get("/openapi.json", HTTP_HOST="admin.example.com", HTTP_X_FORWARDED_PROTO="https")
probe = c.get("/healthz", HTTP_HOST="admin.example.com")
other = c.get("/healthz", HTTP_HOST="evil.example.net", HTTP_X_FORWARDED_PROTO="https")
login = c.get("/admin/login/", HTTP_HOST="admin.example.com", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "tls": [tls.status_code, tls.get("Strict-Transport-Security")],
    "probe": probe.status_code,
    "other_host": other.status_code,
    "csrf_cookie_secure": bool(login.cookies["csrftoken"]["secure"]),
}))
"""


def test_behind_the_tls_proxy_in_cluster_plain_http_is_served_and_cookies_are_secure():
    env = _admin_env_from_the_chart()
    assert env["APP_SECURE_SSL_REDIRECT"] == "false"
    result = _manage(env, "shell", "-c", _HTTPS_PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "plain": [200, None],
        "tls": [200, "max-age=31536000; includeSubDomains; preload"],
        "probe": 200,
        "other_host": 400,
        "csrf_cookie_secure": True,
    }


def test_django_redirects_plain_http_itself_when_told_to_and_never_the_probes():
    env = {**_admin_env_from_the_chart(), "APP_SECURE_SSL_REDIRECT": "true"}
    result = _manage(env, "shell", "-c", _HTTPS_PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://admin.example.com/openapi.json"]
    assert seen["probe"] == 200
    deploy = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert "(0 silenced)" in deploy.stdout


def test_the_api_document_builds_with_warnings_as_errors(tmp_path):
    out = tmp_path / "openapi.json"
    result = _manage(
        {"APP_ENVIRONMENT": "development"},
        "spectacular", "--fail-on-warn", "--format", "openapi-json", "--file", str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr + result.stdout
    document = json.loads(out.read_text())
    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "An access token from POST /auth/token"}
    }
    paths = document["paths"]

    def id_schema(path: str, method: str = "get") -> dict:
        (param,) = [p for p in paths[path][method]["parameters"] if p["in"] == "path"]
        return param["schema"]

    int_id = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}  # a bad id is 422
    assert id_schema("/users/{id}") == int_id
    assert id_schema("/posts/{id}", "patch") == int_id
    assert id_schema("/files/{id}") == {"type": "string", "format": "uuid"}
    me = paths["/auth/me"]["get"]
    assert me["security"] == [{"HTTPBearer": []}]
    assert "application/problem+json" in me["responses"]["401"]["content"]
    token = paths["/auth/token"]["post"]
    assert "security" not in token and {"401", "429"} <= set(token["responses"])
    names = set(document["components"]["schemas"])
    assert {"RegisterInputRequest", "TokenInputRequest", "PostListCreateInputRequest"} <= names
    assert not {"InputRequest", "Input"} & names
