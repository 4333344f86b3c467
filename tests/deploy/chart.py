"""Render the Helm chart offline and hand back its objects, for every deploy test.

The ``helm-python-sdk`` wheel embeds Helm's own engine (templates, Sprig, the values
schema), so what renders here is what ``helm template`` renders: no cluster, no helm
binary. ``lookup`` answers empty, as it does at a first install. Values files are
merged in order, then ``overrides`` (like ``--set``), as Helm does.
"""

from __future__ import annotations

import copy
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
    }
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


def render(*values_files: Path, overrides: dict[str, Any] | None = None, chart_dir: Path = CHART,
           name: str = RELEASE, namespace: str = NAMESPACE) -> Rendered:
    values = load_values(*values_files, overrides=overrides)
    manifests = helm_python.Chart.load(str(chart_dir)).render(values, name=name, namespace=namespace, is_install=True)
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


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a workload object (Deployment, StatefulSet, Job or Pod)."""
    return doc["spec"] if doc["kind"] == "Pod" else doc["spec"]["template"]["spec"]


def workloads(rendered: Rendered) -> list[dict[str, Any]]:
    return [d for d in rendered.docs if d["kind"] in ("Deployment", "StatefulSet", "Job", "Pod")]


# --- kubernetes-validate -------------------------------------------------------------

# Custom resources: kubernetes-validate bundles only the built-in API's schemas.
CRD_KINDS = {
    "ServiceMonitor": "monitoring.coreos.com (Prometheus Operator) CRD",
    "PrometheusRule": "monitoring.coreos.com (Prometheus Operator) CRD",
    "ScaledObject": "keda.sh (KEDA) CRD",
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
