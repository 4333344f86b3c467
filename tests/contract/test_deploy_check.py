"""saaskit.deploy_check (the chart's `helm test`, and later the check of played pods)
against both real stacks: it passes on a working deployment and names the failing step
on a broken one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from devstack.net import free_port
from saaskit import deploy_check


def test_the_check_passes_on_both_stacks(fastapi, django):
    lines: list[str] = []
    deploy_check.run(
        [*fastapi.urls.values(), django.urls["auth"]],
        {"fastapi": fastapi.auth, "django": django.auth},
        timeout=60,
        log=lines.append,
    )
    assert sum(line.startswith("ready") for line in lines) == 4
    assert "ok      fastapi's token accepted by django" in lines
    assert "ok      django's token accepted by fastapi" in lines


def test_the_module_runs_as_the_helm_test_pod_runs_it(fastapi, django):
    proc = subprocess.run(
        [sys.executable, "-m", "saaskit.deploy_check", "--timeout", "60",
         *[arg for url in fastapi.urls.values() for arg in ("--ready", url)], "--ready", django.auth,
         "--stack", f"fastapi={fastapi.auth}", "--stack", f"django={django.auth}"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("all checks passed")


def test_a_service_that_never_answers_fails_within_the_timeout():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(deploy_check.CheckFailed, match=r"/readyz not ready: URLError"):
        deploy_check.run([url], {}, timeout=1.5, log=lambda _: None)


def test_a_url_that_does_not_serve_auth_names_the_failing_step(fastapi):
    # The resources service answers /readyz but does not serve /auth/register.
    with pytest.raises(deploy_check.CheckFailed, match="wrong register: expected 201, got 404"):
        deploy_check.run([fastapi.urls["resources"]], {"wrong": fastapi.urls["resources"]},
                         timeout=30, log=lambda _: None)


def test_the_cli_exits_non_zero_and_says_why():
    url = f"http://127.0.0.1:{free_port()}"
    proc = subprocess.run(
        [sys.executable, "-m", "saaskit.deploy_check", "--timeout", "1", "--ready", url],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"FAILED  {url}/readyz not ready")
