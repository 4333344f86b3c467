"""skaffold.yaml, checked without skaffold or a cluster: it is valid for its API
version, it builds the five images from their Dockerfiles, what it builds is exactly
what the chart runs in every profile, and every port it forwards exists."""

from __future__ import annotations

import copy

import pytest
import yaml
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from tests.deploy import chart
from tests.deploy import skaffold as sk

PROFILES = {"dev": (), "monitoring": ("monitoring",), "bench": ("monitoring", "bench"), "prod": ("prod",)}
# skaffold run -p prod: the Secret of APP_DATABASE_URL etc. made beforehand.
PROD_ENV = {"SAAS_EXISTING_SECRET": "saas-env", "SAAS_JWT_SECRET": "saas-jwt"}


def schema_errors(doc):
    validator = validator_for(sk.schema())(sk.schema())
    return best_match(validator.iter_errors(doc))


@pytest.fixture(scope="module")
def config():
    return sk.load()


@pytest.fixture(scope="module", params=list(PROFILES))
def profile(request, config):
    return request.param, sk.with_profiles(config, *PROFILES[request.param])


def test_schema_copy_is_the_shared_one():
    assert sk.SHARED_SCHEMA.exists(), (
        f"{sk.SHARED_SCHEMA} is missing: the team's schemas live in ../shared/ beside the "
        "repository; the committed copy k8s/schemas/ must equal it")
    assert sk.SCHEMA.read_bytes() == sk.SHARED_SCHEMA.read_bytes()


def test_validates_against_the_v4beta14_schema(config):
    assert config["apiVersion"] == "skaffold/v4beta14"
    error = schema_errors(config)
    assert error is None, f"{'/'.join(map(str, error.absolute_path))}: {error.message}"


def test_schema_catches_a_misspelt_field(config):
    broken = copy.deepcopy(config)
    broken["build"]["artifacts"][0]["docker"]["dockerfil"] = "services/auth/Dockerfile"
    assert schema_errors(broken) is not None


def test_every_profile_stays_valid(profile):
    name, effective = profile
    error = schema_errors(effective)
    assert error is None, f"profile {name}: {'/'.join(map(str, error.absolute_path))}: {error.message}"


def test_five_artifacts_from_their_dockerfiles_with_the_root_as_context(config):
    artifacts = config["build"]["artifacts"]
    assert [a["image"] for a in artifacts] == [f"saas-{s}" for s in chart.SERVICES]
    for artifact, service in zip(artifacts, chart.SERVICES, strict=True):
        assert artifact["context"] == "."
        assert artifact["docker"]["dockerfile"] == f"services/{service}/Dockerfile"
        assert (sk.ROOT / artifact["docker"]["dockerfile"]).is_file()


def test_local_builds_are_not_pushed_and_tags_come_from_git(config):
    assert config["build"]["local"]["push"] is False
    assert "gitCommit" in config["build"]["tagPolicy"]


def test_every_image_is_set_into_the_chart(config):
    templates = sk.app_release(config)["setValueTemplates"]
    for artifact, service in zip(config["build"]["artifacts"], chart.SERVICES, strict=True):
        key = sk.template_key(artifact["image"])
        assert templates[f"{service}.image.repository"] == f"{{{{.IMAGE_REPO_{key}}}}}"
        assert templates[f"{service}.image.tag"] == f"{{{{.IMAGE_TAG_{key}}}}}"


def test_the_chart_runs_exactly_the_built_images(profile):
    name, effective = profile
    rendered = sk.render_app(effective, PROD_ENV if name == "prod" else None)
    built = {f"{repo}:{tag}" for repo, tag in sk.sample_images(effective).values()}
    by_service = {s: f"{repo}:{tag}" for s, (repo, tag) in zip(chart.SERVICES, sk.sample_images(effective).values(),
                                                                strict=True)}
    for service in chart.SERVICES:
        spec = chart.pod_spec(rendered.get("Deployment", f"saas-{service}"))
        images = {c["image"] for c in spec["containers"] + spec.get("initContainers", [])}
        assert images == {by_service[service]}, f"{name}: {service} runs {images}"
    app_images = {c["image"] for d in chart.workloads(rendered) for c in chart.pod_spec(d)["containers"]
                  if "/built/" in c["image"]}
    assert app_images == built
    # The migration hook runs the admin image that was just built.
    migrate = next(d for d in rendered.of_kind("Job") if d["metadata"]["name"].endswith("migrate"))
    assert {c["image"] for c in chart.pod_spec(migrate)["containers"]} == {by_service["admin"]}


def test_prod_has_no_sync_no_dev_values_and_pushes(config):
    prod = sk.with_profiles(config, "prod")
    assert all("sync" not in a for a in prod["build"]["artifacts"])
    assert prod["build"]["local"]["push"] is True
    release = sk.app_release(prod)
    assert release["valuesFiles"] == ["helm/saas/values-prod.yaml"]
    values = sk.release_values(release, sk.sample_images(prod), PROD_ENV)
    assert values["secrets"]["existingSecret"] == "saas-env"
    assert not values.get("devSources", {}).get("enabled")
    rendered = sk.render_app(prod, PROD_ENV)
    assert not rendered.of_kind("StatefulSet"), "no in-chart databases in prod"


def test_dev_is_the_default_pipeline(config):
    assert all(a.get("sync", {}).get("manual") for a in config["build"]["artifacts"])
    assert sk.app_release(config)["valuesFiles"] == ["helm/saas/values-dev.yaml"]
    kinds = {d["kind"] for d in sk.render_app(config).docs}
    assert "StatefulSet" in kinds, "in-chart PostgreSQL, Redis and MinIO"


# --- port forwarding ----------------------------------------------------------------

LOCAL_PORTS = {"saas-auth": 8001, "saas-resources": 8002, "saas-files": 8003, "saas-admin": 8000,
               "saas-worker": 9102}


def monitoring_services() -> dict[tuple[str, str], set[int]]:
    """The Services kube-prometheus-stack creates that we forward, from our values:
    Grafana's (fullnameOverride, service.port) and the operator's fixed prometheus-operated."""
    values = yaml.safe_load((sk.ROOT / "k8s/monitoring/kube-prometheus-stack.yaml").read_text())
    grafana = values["grafana"]
    return {("monitoring", grafana["fullnameOverride"]): {grafana["service"]["port"]},
            ("monitoring", "prometheus-operated"): {9090}}


def test_every_forwarded_port_exists(profile):
    name, effective = profile
    if name == "prod":
        assert "portForward" not in effective
        return
    release = sk.app_release(effective)
    rendered = sk.render_app(effective)
    offered = {(release["namespace"], s["metadata"]["name"]): {p["port"] for p in s["spec"]["ports"]}
               for s in rendered.of_kind("Service")}
    if "monitoring" in PROFILES[name]:
        offered.update(monitoring_services())
    for forward in effective["portForward"]:
        assert forward["resourceType"] == "service"
        key = (forward["namespace"], forward["resourceName"])
        assert key in offered, f"{name}: no Service {key}"
        assert forward["port"] in offered[key], f"{name}: {key} has no port {forward['port']}"


def test_the_app_is_reached_on_the_make_up_ports(config):
    forwards = {f["resourceName"]: (f["port"], f["localPort"]) for f in config["portForward"]}
    assert {name: local for name, (_, local) in forwards.items()} == LOCAL_PORTS


def test_monitoring_forwards_grafana_and_prometheus(config):
    names = {f["resourceName"] for f in sk.with_profiles(config, "monitoring")["portForward"]}
    assert {"grafana", "prometheus-operated"} <= names


# --- file sync ----------------------------------------------------------------------

def test_sync_rules_copy_each_source_tree_to_its_own_path(config):
    for artifact, service in zip(config["build"]["artifacts"], chart.SERVICES, strict=True):
        trees = {f"services/{service}/src", "libs/saaskit/src"}
        rules = artifact["sync"]["manual"]
        assert {r["strip"].rstrip("/") for r in rules} == trees
        for rule in rules:
            tree = rule["strip"].rstrip("/")
            assert rule["src"] == f"{tree}/**/*"
            assert rule["dest"] == f"/app/{tree}"
            assert (sk.ROOT / tree).is_dir()


def test_every_sync_destination_is_writable_in_the_dev_pods(config):
    rendered = sk.render_app(config)
    for artifact, service in zip(config["build"]["artifacts"], chart.SERVICES, strict=True):
        spec = chart.pod_spec(rendered.get("Deployment", f"saas-{service}"))
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m for m in spec["containers"][0]["volumeMounts"]}
        for rule in artifact["sync"]["manual"]:
            mount = mounts.get(rule["dest"])
            assert mount is not None, f"{service}: {rule['dest']} is not a writable volume in dev"
            assert "emptyDir" in volumes[mount["name"]] and not mount.get("readOnly")
        # The image stays hardened: only those volumes are writable.
        assert spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


# --- the loop's own lifecycle -----------------------------------------------------------

@pytest.mark.parametrize(("profile", "folder"), [((), "k8s/namespace/dev"), (("prod",), "k8s/namespace/prod"),
                                                 (("monitoring", "bench"), "k8s/namespace/dev")])
def test_the_quota_exists_before_the_release_and_outlives_ctrl_c(config, profile, folder):
    """skaffold runs its helm deployer before a kubectl one, and on Ctrl-C deletes what
    its deployers applied (a Namespace among them takes every volume with it). The
    namespace, quota and limits are applied by a hook before each helm deploy instead:
    there before the first rollout, never deleted by skaffold."""
    pipeline = sk.with_profiles(config, *profile)
    (hook,) = pipeline["deploy"]["helm"]["hooks"]["before"]
    assert hook["host"]["command"][-1].endswith(f"apply -k {folder}")
    assert (sk.ROOT / folder / "kustomization.yaml").exists()
    managed = pipeline.get("manifests", {}).get("kustomize", {}).get("paths", [])
    assert not any(p.startswith("k8s/namespace") for p in managed), managed


def test_the_dev_data_outlives_the_release():
    """After `helm uninstall` (skaffold dev's cleanup): the in-chart PostgreSQL is a hook
    (kept), and every dev StatefulSet keeps its volume claims."""
    rendered = sk.render_app(sk.load())
    for sts in rendered.of_kind("StatefulSet"):
        assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                                       "whenScaled": "Retain"}
        assert sts["spec"]["volumeClaimTemplates"]
    assert "pre-install" in rendered.get("StatefulSet", "saas-postgresql")["metadata"]["annotations"]["helm.sh/hook"]


def test_the_tool_versions_are_stated():
    header = sk.SKAFFOLD.read_text().split("apiVersion:")[0]
    assert "skaffold 2.19 or later" in header  # the first release reading skaffold/v4beta14
    for tool in ("Docker", "kind", "kubectl", "helm"):
        assert tool in header
