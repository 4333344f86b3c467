"""Render the Helm chart offline and hand back its objects, for every deploy test.

The ``helm-python-sdk`` wheel embeds Helm's own engine (templates, Sprig, the values
schema), so what renders here is what ``helm template`` renders: no cluster, no helm
binary. ``lookup`` answers empty, as it does at a first install. Values files are
merged in order, then ``overrides`` (like ``--set``), as Helm does.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "saas"
PROD_VALUES = CHART / "values-prod.yaml"
MINIMAL_VALUES = CHART / "ci" / "minimal-values.yaml"
RELEASE = "saas"
NAMESPACE = "saas"

SERVICES = ("auth", "resources", "files", "admin", "worker")
HTTP_SERVICES = ("auth", "resources", "files", "admin")

# What a production install supplies on the command line (values-prod.yaml has none).
PROD_SECRETS = {
    "secrets": {
        "databaseUrl": "postgresql://saas:s3cr3t-db@db.example.internal:5432/saas",
        "redisUrl": "redis://:s3cr3t-redis@redis.example.internal:6379/0",
        "secretKey": "prod-django-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "s3AccessKey": "AKIAEXAMPLEPRODKEY",
        "s3SecretKey": "prod-s3-secret-0123456789abcdef",
        "smtpPassword": "prod-smtp-password",
    },
    # Made beforehand by the operator (production refuses a generated signing key).
    "jwt": {"existingSecret": "saas-jwt"},
}


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of two values maps: maps merge key by key, the rest replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_values(*files: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for path in files:
        values = merge(values, yaml.safe_load(Path(path).read_text()) or {})
    return merge(values, overrides or {})


@dataclass
class Rendered:
    """The rendered chart: its objects (NOTES.txt aside) and the text they came from."""

    manifests: dict[str, str]
    docs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def notes(self) -> str:
        return next((text for path, text in self.manifests.items() if path.endswith("NOTES.txt")), "")

    def yaml_text(self) -> str:
        """All objects as one multi-document YAML stream (for file-based tools)."""
        return yaml.safe_dump_all(self.docs, sort_keys=False)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        for doc in self.docs:
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
        raise KeyError(f"{kind}/{name} not rendered; have {[d['kind'] + '/' + d['metadata']['name'] for d in self.docs]}")


# The APIs of a cluster with the operators the production values use (Prometheus
# Operator, KEDA) and the Gateway API installed, as `helm install` would discover them
# (`helm template --api-versions ...`). The built-in APIs are always there.
CLUSTER_APIS = (
    "monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule",
    "keda.sh/v1alpha1", "keda.sh/v1alpha1/ScaledObject",
    "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1/HTTPRoute",
)
# The values that let `helm lint` (which knows the built-in APIs only) pass a render that
# asks for the operators' objects.
LINT_OFFLINE = {"checkApis": False}


def render(*values_files: Path, overrides: dict[str, Any] | None = None, chart_dir: Path = CHART,
           name: str = RELEASE, namespace: str = NAMESPACE,
           api_versions: tuple[str, ...] = CLUSTER_APIS) -> Rendered:
    """``helm template`` with ``--api-versions`` for each of ``api_versions`` (the
    wheel's Python API has no such option yet; its native call takes it)."""
    import json

    from helm_python import _native

    values = load_values(*values_files, overrides=overrides)
    loaded = helm_python.Chart.load(str(chart_dir))
    opts = {"name": name, "namespace": namespace, "is_install": True, "api_versions": list(api_versions)}
    manifests = json.loads(_native.call_string("helm_render", loaded._raw(), json.dumps(values), json.dumps(opts)))
    docs: list[dict[str, Any]] = []
    for path in sorted(manifests):
        if path.endswith(".txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(manifests[path]) if d)
    return Rendered(manifests=manifests, docs=docs)


def render_default() -> Rendered:
    return render()


def render_prod() -> Rendered:
    return render(PROD_VALUES, overrides=PROD_SECRETS)


def render_minimal() -> Rendered:
    return render(MINIMAL_VALUES)


# The value sets every check runs over: name -> renderer.
VARIANTS = {"default": render_default, "prod": render_prod, "minimal": render_minimal}


def lint_values(variant: str) -> dict[str, Any]:
    """The values `helm lint` is given for a variant. helm lint knows the built-in APIs
    only (no --api-versions): the operators' objects are checked by render instead
    (tests/deploy/test_chart_apis.py)."""
    return {"default": lambda: {},
            "prod": lambda: load_values(PROD_VALUES, overrides=merge(PROD_SECRETS, LINT_OFFLINE)),
            "minimal": lambda: load_values(MINIMAL_VALUES)}[variant]()


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a workload object (Deployment, StatefulSet, Job or Pod)."""
    return doc["spec"] if doc["kind"] == "Pod" else doc["spec"]["template"]["spec"]


def workloads(rendered: Rendered) -> list[dict[str, Any]]:
    return [d for d in rendered.docs if d["kind"] in ("Deployment", "StatefulSet", "Job", "Pod")]


@dataclass(frozen=True)
class PodFacts:
    """What the kubelet knows of a pod and fills in through the downward API."""

    ip: str = "10.42.3.17"
    name: str = "saas-admin-7d9f8b6c5-x2x4q"
    node: str = "node-1"


def _quantity(text: str) -> float:
    text = str(text)
    if text.endswith("m"):
        return int(text[:-1]) / 1000
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in suffixes.items():
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * factor
    return float(text)


_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def expand_references(value: str, defined: dict[str, str]) -> str:
    """``$(VAR)`` in an env value, expanded from the variables defined before it as the
    kubelet does; an unknown name stays as written."""
    return _REFERENCE.sub(lambda m: defined.get(m.group(1), m.group(0)), value)


def container_env(rendered: Rendered, doc: dict[str, Any], container: str | None = None,
                  pod: PodFacts = PodFacts()) -> dict[str, str]:
    """The environment the kubelet gives one container of a rendered workload: envFrom
    (ConfigMaps and Secrets the chart renders) first, then ``env`` in order, each value
    with ``$(VAR)`` expanded against what is defined before it, ``valueFrom`` resolved
    (fieldRef from ``pod`` and the pod's metadata, resourceFieldRef rounded up as the
    kubelet does, keys of rendered ConfigMaps and Secrets)."""
    import base64
    import math

    spec = pod_spec(doc)
    meta = doc["metadata"] if doc["kind"] == "Pod" else doc["spec"]["template"]["metadata"]
    c = next(c for c in spec["containers"] if container in (None, c["name"]))

    def data(kind: str, name: str) -> dict[str, str]:
        obj = rendered.get(kind, name)
        if kind == "Secret":
            return {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()} | (
                obj.get("stringData") or {})
        return dict(obj.get("data") or {})

    fields = {"status.podIP": pod.ip, "status.podIPs": pod.ip, "metadata.name": pod.name,
              "metadata.namespace": doc["metadata"].get("namespace", NAMESPACE), "spec.nodeName": pod.node,
              "spec.serviceAccountName": spec.get("serviceAccountName", "default")}
    fields |= {f"metadata.labels['{k}']": v for k, v in (meta.get("labels") or {}).items()}
    fields |= {f"metadata.annotations['{k}']": v for k, v in (meta.get("annotations") or {}).items()}
    env: dict[str, str] = {}
    for source in c.get("envFrom", []):
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            if key in source:
                env.update({source.get("prefix", "") + k: v for k, v in data(kind, source[key]["name"]).items()})
    for entry in c.get("env", []):
        if "value" in entry:
            env[entry["name"]] = expand_references(str(entry["value"]), env)
            continue
        ref = entry["valueFrom"]
        if "fieldRef" in ref:
            env[entry["name"]] = fields[ref["fieldRef"]["fieldPath"]]
        elif "resourceFieldRef" in ref:
            resource = ref["resourceFieldRef"]["resource"]
            kind, name = resource.split(".")
            amount = _quantity(c["resources"][kind][name]) / _quantity(ref["resourceFieldRef"].get("divisor", "1"))
            env[entry["name"]] = str(math.ceil(amount))
        elif "secretKeyRef" in ref:
            env[entry["name"]] = data("Secret", ref["secretKeyRef"]["name"])[ref["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in ref:
            env[entry["name"]] = data("ConfigMap", ref["configMapKeyRef"]["name"])[ref["configMapKeyRef"]["key"]]
        else:
            raise ValueError(f"unknown valueFrom {ref}")
    return env


# --- kubernetes-validate -------------------------------------------------------------

# Custom resources: kubernetes-validate bundles only the built-in API's schemas.
CRD_KINDS = {
    "ServiceMonitor": "monitoring.coreos.com (Prometheus Operator) CRD",
    "PrometheusRule": "monitoring.coreos.com (Prometheus Operator) CRD",
    "ScaledObject": "keda.sh (KEDA) CRD",
    "HTTPRoute": "gateway.networking.k8s.io (Gateway API) CRD",
}


def newest_kube_versions(count: int = 2) -> list[str]:
    """The newest Kubernetes minor versions whose schemas kubernetes-validate ships."""
    from kubernetes_validate import utils

    minors = sorted({utils.major_minor(v) for v in utils.all_versions()})
    return [f"{m}.0" for m in minors[-count:]]


def validate(rendered: Rendered, version: str) -> tuple[list[str], list[str]]:
    """(errors, skipped kinds): strict schema validation of every object."""
    from kubernetes_validate import utils

    errors, skipped = [], []
    for doc in rendered.docs:
        label = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] in CRD_KINDS:
            skipped.append(label)
            continue
        try:
            utils.validate(doc, version, strict=True)
        except utils.ValidationError as exc:
            errors.append(f"{label}: {exc.message}")
        except utils.SchemaNotFoundError:
            errors.append(f"{label}: no schema for {doc['apiVersion']} {doc['kind']} in {version}")
    return errors, skipped


# --- checkov -------------------------------------------------------------------------

CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
CHECKOV_SKIPS = Path(__file__).with_name("checkov-skips.yaml")


def checkov_skips(variant: str) -> list[dict[str, Any]]:
    entries = yaml.safe_load(CHECKOV_SKIPS.read_text())["skips"]
    return [e for e in entries if variant in e.get("only", VARIANTS)]


def run_checkov(rendered: Rendered, variant: str, workdir: Path, *, skips: tuple[str, ...] | None = None,
                timeout: float = 300) -> dict[str, Any]:
    """checkov --framework kubernetes over the rendered objects; its JSON report.
    ``skips`` defaults to the committed skip list for ``variant``."""
    import json
    import os
    import subprocess

    manifest = workdir / f"{variant}.yaml"
    manifest.write_text(rendered.yaml_text())
    if skips is None:
        skips = tuple(e["id"] for e in checkov_skips(variant))
    cmd = [str(CHECKOV), "-f", str(manifest), "--framework", "kubernetes", "--skip-download",
           "--compact", "--quiet", "-o", "json"]
    if skips:
        cmd += ["--skip-check", ",".join(skips)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=workdir, check=False)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise RuntimeError(f"checkov failed to run ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    return report[0] if isinstance(report, list) else report
