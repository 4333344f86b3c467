"""The chart rendered with ``helm/saas/ci/kube-play-values.yaml`` on top of
``values-prod.yaml`` and played with podman: the migration Job's pod first, then the five
Deployments (and their ConfigMap and Secret), against the test session's PostgreSQL,
Redis and S3 (moto) on 127.0.0.1. Everything created is removed afterwards, pass or fail."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from devstack.net import free_port
from tests.deploy.chart import CHART, PROD_VALUES, SERVICES, pod_spec, render
from tests.kubeplay.play import (
    Played,
    create_secret,
    down,
    for_podman,
    job_as_pod,
    play,
    run_pod_to_completion,
)
from tests.support.fixtures.backing import private_redis_url

KUBE_PLAY_VALUES = CHART / "ci" / "kube-play-values.yaml"
KUBE_PLAY_REDIS_DB = 3


def probe_url(played: Played, service: str, probe: str) -> tuple[str, dict]:
    container = played.container(service)
    spec = container[probe]
    port = spec["httpGet"]["port"]
    if isinstance(port, str):
        port = next(p["containerPort"] for p in container["ports"] if p["name"] == port)
    return f"http://127.0.0.1:{port}{spec['httpGet']['path']}", spec


def wait_for_startup(played: Played, service: str) -> None:
    """The startup probe, run from the host with its own period, timeout and threshold."""
    url, spec = probe_url(played, service, "startupProbe")
    last = "no answer"
    for _ in range(spec.get("failureThreshold", 3)):
        try:
            response = httpx.get(url, timeout=spec.get("timeoutSeconds", 1))
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(spec.get("periodSeconds", 10))
    logs = played.engine.run(played.engine.podman("logs", played.container_name(service)), check=False)
    raise AssertionError(f"{service}: startup probe {url} failed ({last}):\n"
                         f"{(logs.stdout + logs.stderr).decode(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def kube_play(engine, pg, redis_server, s3_endpoint, tmp_path_factory) -> Iterator[Played]:
    release = f"kp{uuid.uuid4().hex[:6]}-saas"  # contains the chart name: objects are named <release>-<svc>
    ports = {service: free_port() for service in SERVICES}
    overrides = {
        "secrets": {
            "databaseUrl": pg.create_database(f"kubeplay_{release.replace('-', '_')}"),  # empty: the Job migrates it
            "redisUrl": private_redis_url(redis_server, KUBE_PLAY_REDIS_DB),
            "secretKey": f"kube-play-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "s3AccessKey": "testing",
            "s3SecretKey": "testing",
            "smtpPassword": "unused",
        },
        "config": {
            "jwksUrl": f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json",
            "storage": {"s3Endpoint": s3_endpoint},
        },
        **{service: {"port": port} for service, port in ports.items()},
    }
    rendered = render(PROD_VALUES, KUBE_PLAY_VALUES, overrides=overrides, name=release, namespace="kube-play")
    workdir = tmp_path_factory.mktemp("kube-play")
    played = Played(engine, rendered, workdir, release)
    try:
        for secret in rendered.of_kind("Secret"):
            create_secret(played, secret)
        code, logs = run_pod_to_completion(played, job_as_pod(rendered.get("Job", f"{release}-migrate")))
        played.migration = (code, logs)
        assert code == 0, f"the migration Job failed ({code}):\n{logs}"
        workloads = [for_podman(played, d) for d in rendered.of_kind("Deployment")]
        played.manifest = play(played, rendered.of_kind("ConfigMap") + workloads, "services")
        for service in SERVICES:
            wait_for_startup(played, service)
        yield played
    finally:
        if played.manifest is not None:
            down(played, played.manifest)
        for name in played.secrets:
            engine.run(engine.podman("secret", "rm", name), check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def spec_of(played: Played, service: str) -> dict:
    return pod_spec(played.deployment(service))
