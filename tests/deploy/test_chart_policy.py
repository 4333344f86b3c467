"""Policy over the rendered objects: what a reviewer of every Deployment would check by
hand, checked for the default, production and minimal values at once."""

from __future__ import annotations

import base64

import helm_python
import pytest

from tests.deploy import chart

RENDERS = {name: render() for name, render in chart.VARIANTS.items()}


@pytest.fixture(params=list(RENDERS))
def rendered(request) -> chart.Rendered:
    return RENDERS[request.param]


def containers(doc):
    return chart.pod_spec(doc)["containers"]


def labels_match(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def pods_of(rendered, selector):
    return [d for d in rendered.docs if d["kind"] in ("Deployment", "StatefulSet")
            and labels_match(selector, d["spec"]["template"]["metadata"]["labels"])]


def test_every_long_running_container_has_the_three_probes(rendered):
    for doc in rendered.of_kind("Deployment") + rendered.of_kind("StatefulSet"):
        for c in containers(doc):
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in c, f"{doc['metadata']['name']}/{c['name']}: no {probe}"


def test_http_services_are_ready_on_readyz_and_live_on_healthz(rendered):
    for svc in chart.HTTP_SERVICES:
        (c,) = containers(rendered.get("Deployment", f"saas-{svc}"))
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    (worker,) = containers(rendered.get("Deployment", "saas-worker"))
    assert worker["livenessProbe"]["httpGet"]["port"] == "metrics"
    assert worker["ports"] == [{"name": "metrics", "containerPort": 9102, "protocol": "TCP"}]


def test_every_container_has_requests_limits_and_the_security_context(rendered):
    for doc in chart.workloads(rendered):
        spec = chart.pod_spec(doc)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for c in containers(doc):
            where = f"{doc['kind']}/{doc['metadata']['name']}/{c['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), where
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, where


def test_service_accounts_carry_no_token(rendered):
    accounts = rendered.of_kind("ServiceAccount")
    # One per service, and the migration hook's own (tests/deploy/test_chart_hooks.py).
    assert {a["metadata"]["name"] for a in accounts} == {f"saas-{s}" for s in chart.SERVICES} | {"saas-migrate"}
    assert all(a["automountServiceAccountToken"] is False for a in accounts)
    for svc in chart.SERVICES:
        assert chart.pod_spec(rendered.get("Deployment", f"saas-{svc}"))["serviceAccountName"] == f"saas-{svc}"


def test_rollouts_outlast_the_servers_drain(rendered):
    values = chart.load_values(chart.CHART / "values.yaml")
    for svc in chart.SERVICES:
        doc = rendered.get("Deployment", f"saas-{svc}")
        spec = chart.pod_spec(doc)
        (c,) = spec["containers"]
        env = {e["name"]: e.get("value") for e in c["env"]}
        drain = int(env.get("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN")
                    or env.get("APP_WORKER_SHUTDOWN_GRACE_SECONDS")
                    or env["GUNICORN_CMD_ARGS"].split("=")[1])
        pause = c["lifecycle"]["preStop"]["exec"]["command"]
        assert pause[:2] == ["python", "-c"]
        assert spec["terminationGracePeriodSeconds"] > values["preStopSleepSeconds"] + drain, svc
        assert doc["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_process_count_follows_the_cpu_limit(rendered):
    cpu_limit = {"resource": "limits.cpu", "divisor": "1"}
    for svc in chart.HTTP_SERVICES:
        (c,) = containers(rendered.get("Deployment", f"saas-{svc}"))
        env = {e["name"]: e for e in c["env"]}
        assert env["WEB_CONCURRENCY"]["valueFrom"]["resourceFieldRef"] == cpu_limit
    (admin,) = containers(rendered.get("Deployment", "saas-admin"))
    assert {e["name"]: e for e in admin["env"]}["GUNICORN_WORKERS"]["valueFrom"]["resourceFieldRef"] == cpu_limit


def test_pods_spread_over_zones_and_nodes():
    for name in ("default", "prod"):
        for doc in RENDERS[name].of_kind("Deployment"):
            keys = {t["topologyKey"] for t in chart.pod_spec(doc)["topologySpreadConstraints"]}
            assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}


def test_every_autoscaler_and_budget_targets_a_rendered_deployment(rendered):
    deployments = {d["metadata"]["name"] for d in rendered.of_kind("Deployment")}
    for hpa in rendered.of_kind("HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["name"] in deployments
        assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] > 0
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    for so in rendered.of_kind("ScaledObject"):
        assert so["spec"]["scaleTargetRef"]["name"] in deployments
        assert "worker_queue_depth" in so["spec"]["triggers"][0]["metadata"]["query"]
    for pdb in rendered.of_kind("PodDisruptionBudget"):
        (target,) = pods_of(rendered, pdb["spec"]["selector"]["matchLabels"])
        assert target["kind"] == "Deployment"


def test_autoscaling_covers_every_http_service_and_the_worker():
    default, prod = RENDERS["default"], RENDERS["prod"]
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in default.of_kind("HorizontalPodAutoscaler")}
    assert targets == {f"saas-{s}" for s in chart.SERVICES}
    # With KEDA on, the worker scales on queue depth and has no CPU HPA competing.
    prod_targets = {h["spec"]["scaleTargetRef"]["name"] for h in prod.of_kind("HorizontalPodAutoscaler")}
    assert prod_targets == {f"saas-{s}" for s in chart.HTTP_SERVICES}
    assert [so["spec"]["scaleTargetRef"]["name"] for so in prod.of_kind("ScaledObject")] == ["saas-worker"]
    assert {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
            for p in prod.of_kind("PodDisruptionBudget")} == set(chart.SERVICES)


def test_every_service_selects_one_workload_and_a_container_port(rendered):
    for svc in rendered.of_kind("Service"):
        (target,) = pods_of(rendered, svc["spec"]["selector"])
        ports = {p["name"]: p["containerPort"] for c in containers(target) for p in c["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, svc["metadata"]["name"]


def test_every_image_is_one_of_the_five_services(rendered):
    five = {f"saas-{s}:dev" for s in chart.SERVICES}
    dev_deps = {chart.load_values(chart.CHART / "values.yaml")[d]["image"] for d in ("postgresql", "redis", "minio")}
    for doc in chart.workloads(rendered):
        for c in containers(doc):
            if doc["kind"] == "StatefulSet":
                assert c["image"] in dev_deps
            else:
                assert c["image"] in five, c["image"]


def test_registry_and_tag_values_shape_the_image():
    rendered = chart.render(overrides={"image": {"registry": "registry.example.com/team/"},
                                       "auth": {"image": {"repository": "auth-svc", "tag": "abc123"}}})
    assert containers(rendered.get("Deployment", "saas-auth"))[0]["image"] == "registry.example.com/team/auth-svc:abc123"
    assert containers(rendered.get("Deployment", "saas-files"))[0]["image"] == "registry.example.com/team/saas-files:dev"


def test_the_migration_job_is_a_pre_install_and_pre_upgrade_hook(rendered):
    job = rendered.get("Job", "saas-migrate")
    notes = job["metadata"]["annotations"]
    assert notes["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in notes["helm.sh/hook-delete-policy"]
    command = " ".join(containers(job)[0]["command"])
    assert "saaskit.db.migrate upgrade && exec python -m admin_service.manage migrate --noinput" in command
    # Its settings exist before it runs: a hook Secret of lower weight, or an existing one.
    env_from = containers(job)[0]["envFrom"][0]["secretRef"]["name"]
    hook_secrets = [s for s in rendered.of_kind("Secret")
                    if s["metadata"]["name"] == env_from and "helm.sh/hook" in s["metadata"].get("annotations", {})]
    for secret in hook_secrets:
        assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(notes["helm.sh/hook-weight"])
    assert hook_secrets or env_from != "saas-migrate"


def test_in_chart_postgresql_exists_before_the_migration_hook():
    rendered = RENDERS["default"]
    job_weight = int(rendered.get("Job", "saas-migrate")["metadata"]["annotations"]["helm.sh/hook-weight"])
    for kind in ("StatefulSet", "Service", "Secret"):
        notes = rendered.get(kind, "saas-postgresql")["metadata"]["annotations"]
        assert "pre-install" in notes["helm.sh/hook"] and int(notes["helm.sh/hook-weight"]) < job_weight


def _secret_values(rendered) -> set[str]:
    values = set()
    for secret in rendered.of_kind("Secret"):
        for b64 in (secret.get("data") or {}).values():
            values.add(base64.b64decode(b64).decode())
    return {v for v in values if len(v) >= 6}


def test_no_secret_value_appears_in_a_config_map(rendered):
    secrets = _secret_values(rendered) | set(chart.PROD_SECRETS["secrets"].values())
    assert secrets
    for cm in rendered.of_kind("ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            for secret in secrets:
                assert secret not in value, f"ConfigMap {cm['metadata']['name']} {key} holds a secret value"


def test_services_read_secrets_only_from_the_secret(rendered):
    secret_keys = {"APP_DATABASE_URL", "APP_REDIS_URL", "APP_SECRET_KEY", "APP_S3_ACCESS_KEY",
                   "APP_S3_SECRET_KEY", "APP_SMTP_PASSWORD"}
    config = rendered.get("ConfigMap", "saas")["data"]
    assert not secret_keys & set(config)
    for doc in chart.workloads(rendered):
        for c in containers(doc):
            assert not secret_keys & {e["name"] for e in c.get("env", []) if "value" in e}


def test_the_issuer_and_audience_are_one_setting_for_every_service(rendered):
    config = rendered.get("ConfigMap", "saas")["data"]
    assert config["APP_JWKS_URL"] == "http://saas-auth:8001/.well-known/jwks.json"
    for svc in chart.SERVICES:
        (c,) = containers(rendered.get("Deployment", f"saas-{svc}"))
        assert {"configMapRef": {"name": "saas"}} in c["envFrom"]
        assert not {"APP_JWT_ISSUER", "APP_JWT_AUDIENCE"} & {e["name"] for e in c["env"]}


def test_production_settings_reach_the_services():
    config = RENDERS["prod"].get("ConfigMap", "saas")["data"]
    assert config["APP_ENVIRONMENT"] == "production"
    assert config["APP_ALLOWED_HOSTS"] == "admin.example.com"
    assert config["APP_CSRF_TRUSTED_ORIGINS"] == "https://admin.example.com"
    assert config["APP_HSTS_SECONDS"] == "31536000"
    assert config["APP_SECURE_PROXY_SSL_HEADER"] == "true"
    assert config["FORWARDED_ALLOW_IPS"] == "10.0.0.0/8"
    assert config["APP_TRUSTED_PROXIES"] == "10.0.0.0/8"
    assert config["APP_S3_SECURE"] == "true"
    assert config["APP_FRONTEND_URL"] == "https://app.example.com"


def test_every_app_variable_the_chart_sets_is_a_setting(rendered):
    """A misspelt APP_* name would be ignored silently (pydantic-settings ignores unknown
    variables), leaving the service on its default."""
    from saaskit.settings import Settings

    known = {f"APP_{name.upper()}" for name in Settings.model_fields}
    names = set(rendered.get("ConfigMap", "saas")["data"]) | set(rendered.get("Secret", "saas")["data"])
    for doc in chart.workloads(rendered):
        for c in containers(doc):
            names |= {e["name"] for e in c.get("env", [])}
    unknown = sorted(n for n in names if n.startswith("APP_") and n not in known)
    assert unknown == []


def test_the_ingress_routes_the_contract_and_the_django_twin():
    (ingress,) = RENDERS["prod"].of_kind("Ingress")
    api, admin = ingress["spec"]["rules"]
    routes = {p["path"]: p["backend"]["service"]["name"] for p in api["http"]["paths"]}
    assert routes == {"/auth": "saas-auth", "/.well-known": "saas-auth", "/users": "saas-resources",
                      "/posts": "saas-resources", "/comments": "saas-resources", "/jobs": "saas-resources",
                      "/files": "saas-files"}
    assert admin["host"] == "admin.example.com"
    # The same prefixes and the admin's own to the Django twin (tests/deploy/test_chart_ingress.py).
    admin_routes = {p["path"]: p["backend"]["service"]["name"] for p in admin["http"]["paths"]}
    # ... and the FastAPI side's admin (SQLAdmin on resources) beside Django's.
    assert admin_routes.pop("/sqladmin") == "saas-resources"
    assert set(admin_routes.values()) == {"saas-admin"}
    assert set(routes) | {"/admin", "/static", "/docs", "/openapi.json"} == set(admin_routes)
    assert ingress["spec"]["ingressClassName"] == "nginx"


def test_network_policy_denies_by_default_and_allows_the_named_flows():
    rendered = RENDERS["prod"]
    deny = rendered.get("NetworkPolicy", "saas-default-deny")
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny["spec"]
    auth = rendered.get("NetworkPolicy", "saas-auth")
    jwks_from = {p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                 for rule in auth["spec"]["ingress"] for p in rule["from"] if "podSelector" in p}
    assert {"resources", "files"} <= jwks_from
    for svc in ("resources", "files"):
        egress = rendered.get("NetworkPolicy", f"saas-{svc}")["spec"]["egress"]
        assert any(p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "auth"
                   for rule in egress for p in rule["to"])
    worker = rendered.get("NetworkPolicy", "saas-worker")
    assert worker["spec"]["ingress"][0]["ports"] == [{"port": 9102, "protocol": "TCP"}]
    assert {e["ports"][0]["port"] for e in worker["spec"]["egress"]} >= {5432, 6379, 443}


def test_helm_test_pod_checks_both_implementations():
    pod = RENDERS["default"].get("Pod", "saas-test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    command = containers(pod)[0]["command"]
    assert command[:3] == ["python", "-m", "saaskit.deploy_check"]
    assert "fastapi=http://saas-auth:8001" in command and "django=http://saas-admin:8000" in command
    ready = [command[i + 1] for i, arg in enumerate(command) if arg == "--ready"]
    assert ready == ["http://saas-auth:8001", "http://saas-resources:8002", "http://saas-files:8003",
                     "http://saas-admin:8000"]


def test_production_helm_test_only_reads_unless_asked():
    """A production `helm test` asks every /readyz and writes nothing (the write check
    registers accounts and queues mails that stay); tests.writeCheck asks for it."""
    command = containers(RENDERS["prod"].get("Pod", "saas-test"))[0]["command"]
    assert "--stack" not in command
    assert [command[i + 1] for i, a in enumerate(command) if a == "--ready"] == [
        "http://saas-auth:8001", "http://saas-resources:8002", "http://saas-files:8003", "http://saas-admin:8000"]
    asked = chart.render(chart.PROD_VALUES, overrides={**chart.PROD_SECRETS, "tests": {"writeCheck": True}})
    assert "django=http://saas-admin:8000" in containers(asked.get("Pod", "saas-test"))[0]["command"]


def test_overrides_for_development_reach_the_container():
    rendered = chart.render(overrides={"auth": {
        "command": ["uvicorn"], "args": ["auth_service.main:create_app", "--factory", "--reload"],
        "env": {"EXTRA": "1"},
        "extraVolumes": [{"name": "src", "emptyDir": {}}],
        "extraVolumeMounts": [{"name": "src", "mountPath": "/src"}],
    }})
    spec = chart.pod_spec(rendered.get("Deployment", "saas-auth"))
    (c,) = spec["containers"]
    assert c["command"] == ["uvicorn"] and c["args"][-1] == "--reload"
    assert {"name": "EXTRA", "value": "1"} in c["env"]
    assert {"name": "src", "emptyDir": {}} in spec["volumes"]
    assert {"name": "src", "mountPath": "/src"} in c["volumeMounts"]


@pytest.mark.parametrize("values, message", [
    ({"unknownKey": True}, "additional properties 'unknownKey' not allowed"),
    ({"auth": {"replicaCount": "three"}}, "/auth/replicaCount"),
    ({"worker": {"autoscaling": {"keda": {"enabled": "yes"}}}}, "/worker/autoscaling/keda/enabled"),
    ({"config": {"environment": "staging"}}, "/config/environment"),
])
def test_the_schema_rejects_unknown_keys_and_wrong_types(values, message):
    with pytest.raises(helm_python.HelmValuesError, match="values don't meet the specifications") as err:
        chart.render(overrides=values)
    assert message in str(err.value)


@pytest.mark.parametrize("overrides, message", [
    ({}, "secrets.databaseUrl is empty or still the placeholder"),
    ({"secrets": {**chart.PROD_SECRETS["secrets"], "secretKey": "change-me"}}, "secrets.secretKey is empty or still"),
    ({"secrets": {**chart.PROD_SECRETS["secrets"], "s3SecretKey": ""}}, "secrets.s3SecretKey is empty or still"),
    ({**chart.PROD_SECRETS, "postgresql": {"enabled": True}}, "in-chart postgresql, redis and minio are for development"),
    ({**chart.PROD_SECRETS, "config": {"allowedHosts": []}}, "config.allowedHosts"),
])
def test_production_values_without_real_secrets_fail_to_render(overrides, message):
    with pytest.raises(helm_python.HelmRenderError, match="production values") as err:
        chart.render(chart.PROD_VALUES, overrides=overrides)
    assert message in str(err.value)


def test_production_values_with_an_existing_secret_render():
    rendered = chart.render(chart.PROD_VALUES, overrides={"secrets": {"existingSecret": "saas-env"},
                                                          "jwt": {"existingSecret": "saas-jwt"}})
    assert rendered.of_kind("Secret") == []
