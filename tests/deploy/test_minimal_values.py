"""``helm/saas/ci/minimal-values.yaml`` renders an install whose services start: each
service builds its settings and its application from exactly the environment the chart
renders for its container (only the signing keys' directory is the session's, standing
in for the mounted Secret), as the image's command does before it serves. No service
connects anywhere while it is built, so the made-up addresses of the minimal values do
not matter here."""

from __future__ import annotations

import os
import subprocess
import sys

import helm_python
import pytest

from tests.deploy import chart

# What each image's command builds before serving (services/<svc>/Dockerfile CMD).
STARTS = {
    "auth": "from auth_service.main import create_app; create_app()",
    "resources": "from resources_service.main import create_app; create_app()",
    "files": "from files_service.main import create_app; create_app()",
    "admin": "import django; django.setup(); from admin_service.wsgi import application",
    "worker": "from worker.main import WorkerSettings",
}


@pytest.mark.parametrize("service", chart.SERVICES)
def test_every_service_of_the_minimal_install_starts(service, keys_dir):
    rendered = chart.render_minimal()
    env = chart.container_env(rendered, rendered.get("Deployment", f"saas-{service}"))
    if "APP_JWT_KEYS_DIR" in env:
        env["APP_JWT_KEYS_DIR"] = str(keys_dir)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "OTEL_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", f"{STARTS[service]}; print('started')"],
        env={**base, "DJANGO_SETTINGS_MODULE": "admin_service.settings", **env},
        cwd=chart.ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stdout.strip().endswith("started"), result.stderr[-3000:]


def test_a_render_whose_admin_would_not_start_is_refused():
    """Outside development, no host names means a Django that refuses to start: the
    chart refuses the render instead, naming the value."""
    values = chart.load_values(chart.MINIMAL_VALUES, overrides={"config": {"allowedHosts": []}})
    with pytest.raises(helm_python.HelmRenderError, match=r"test values: config.allowedHosts .* must not be empty"):
        chart.render(overrides=values)
