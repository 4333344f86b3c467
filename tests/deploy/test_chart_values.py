"""The values operators of charts like this one ask for (issue trackers of popular charts),
each rendered where it belongs: env from secrets and the downward API, envFrom, pod
labels, a priority class, Service and ServiceAccount annotations (cloud identity for S3),
an image digest, a numeric tag, a PDB's minAvailable, probe overrides, and an explicit
process count (without a CPU limit the downward API's limits.cpu is the node's cores)."""

from __future__ import annotations

import helm_python
import pytest

from tests.deploy import chart

DIGEST = "sha256:" + "ab" * 32


def deployment(rendered: chart.Rendered, svc: str) -> dict:
    return rendered.get("Deployment", f"saas-{svc}")


def container(rendered: chart.Rendered, svc: str) -> dict:
    (c,) = chart.pod_spec(deployment(rendered, svc))["containers"]
    return c


def env_of(rendered: chart.Rendered, svc: str) -> dict[str, dict]:
    return {e["name"]: e for e in container(rendered, svc)["env"]}


def test_env_from_secrets_and_the_downward_api_and_env_from_sources():
    rendered = chart.render(overrides={"files": {
        "extraEnv": [{"name": "AWS_ROLE_SESSION_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                     {"name": "SENTRY_DSN", "valueFrom": {"secretKeyRef": {"name": "sentry", "key": "dsn"}}}],
        "extraEnvFrom": [{"configMapRef": {"name": "team-defaults"}}],
    }})
    env = env_of(rendered, "files")
    assert env["SENTRY_DSN"]["valueFrom"]["secretKeyRef"] == {"name": "sentry", "key": "dsn"}
    assert env["AWS_ROLE_SESSION_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert {"configMapRef": {"name": "team-defaults"}} in container(rendered, "files")["envFrom"]
    assert "SENTRY_DSN" not in env_of(rendered, "auth")


def test_pod_labels_priority_class_and_annotations():
    rendered = chart.render(overrides={"resources": {
        "podLabels": {"team": "core", "app.kubernetes.io/component": "hijack"},
        "priorityClassName": "business-critical",
        "service": {"annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}},
        "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/saas"}},
    }, "migrations": {"serviceAccount": {"annotations": {"iam.gke.io/gcp-service-account": "m@p.iam"}}}})
    template = deployment(rendered, "resources")["spec"]["template"]
    assert template["metadata"]["labels"]["team"] == "core"
    # The selector's labels are the chart's: a pod label cannot take a pod out of its Service.
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "resources"
    assert template["spec"]["priorityClassName"] == "business-critical"
    assert rendered.get("Service", "saas-resources")["metadata"]["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
    assert rendered.get("ServiceAccount", "saas-resources")["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/saas"}
    assert rendered.get("ServiceAccount", "saas-migrate")["metadata"]["annotations"][
        "iam.gke.io/gcp-service-account"] == "m@p.iam"
    assert "priorityClassName" not in chart.pod_spec(deployment(rendered, "auth"))


def test_image_digest_and_a_numeric_tag():
    rendered = chart.render(overrides={"auth": {"image": {"repository": "saas-auth", "tag": 20261207}},
                                       "admin": {"image": {"repository": "saas-admin", "tag": "1.4.0",
                                                           "digest": DIGEST}}})
    assert container(rendered, "auth")["image"] == "saas-auth:20261207"
    assert container(rendered, "admin")["image"] == f"saas-admin:1.4.0@{DIGEST}"
    # The migration Job and the test pod run the admin image: the same pin.
    assert chart.pod_spec(rendered.get("Job", "saas-migrate"))["containers"][0]["image"] == f"saas-admin:1.4.0@{DIGEST}"


def test_a_fractional_numeric_tag_is_refused_rather_than_mangled():
    """1.10 unquoted is the number 1.1: the schema refuses it (quote the tag)."""
    with pytest.raises(helm_python.HelmValuesError, match="/auth/image/tag': got number, want integer or string"):
        chart.render(overrides={"auth": {"image": {"repository": "saas-auth", "tag": 1.10}}})


def test_pdb_min_available_instead_of_max_unavailable():
    rendered = chart.render(overrides={"auth": {"pdb": {"enabled": True, "minAvailable": "50%"}}})
    assert rendered.get("PodDisruptionBudget", "saas-auth")["spec"] == {
        "minAvailable": "50%", "selector": rendered.get("PodDisruptionBudget", "saas-auth")["spec"]["selector"]}
    assert rendered.get("PodDisruptionBudget", "saas-files")["spec"]["maxUnavailable"] == 1


def test_probe_overrides_merge_over_the_charts():
    rendered = chart.render(overrides={"admin": {"probes": {"livenessProbe": {"periodSeconds": 20,
                                                                              "timeoutSeconds": 5}}}})
    liveness = container(rendered, "admin")["livenessProbe"]
    assert liveness == {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 20,
                        "timeoutSeconds": 5, "failureThreshold": 3}
    assert container(rendered, "auth")["livenessProbe"]["periodSeconds"] == 10


def test_the_process_count_is_explicit_or_bounded_by_the_pods_cpu():
    rendered = chart.render(overrides={
        "auth": {"processes": 3},
        # No CPU limit (a common policy): the downward API's limits.cpu would then be the
        # node's allocatable cores, 32 processes on a 32-core node.
        # (null removes the default limit, as with --set resources.resources.limits.cpu=null).
        "resources": {"resources": {"requests": {"cpu": "1500m", "memory": "256Mi"},
                                    "limits": {"cpu": None, "memory": "512Mi"}}},
    })
    assert env_of(rendered, "auth")["WEB_CONCURRENCY"] == {"name": "WEB_CONCURRENCY", "value": "3"}
    no_limit = env_of(rendered, "resources")["WEB_CONCURRENCY"]["valueFrom"]["resourceFieldRef"]
    assert no_limit == {"resource": "requests.cpu", "divisor": "1"}
    env = chart.container_env(rendered, deployment(rendered, "resources"))
    assert env["WEB_CONCURRENCY"] == "2"  # 1.5 CPU requested, rounded up as the kubelet does
    assert env_of(rendered, "files")["WEB_CONCURRENCY"]["valueFrom"]["resourceFieldRef"]["resource"] == "limits.cpu"
    admin = chart.render(overrides={"admin": {"processes": 4}})
    assert env_of(admin, "admin")["GUNICORN_WORKERS"]["value"] == "4"
