"""What a bare node needs before a chart can run on it: DNS, metrics, storage, ingress."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from string import Template

from saas_cluster import images
from saas_cluster.layout import NET, ROOT, STATE
from saas_cluster.node import kubectl, wait_for

MANIFESTS = ROOT / "tools" / "cluster" / "manifests"
INGRESS_NODE_PORT = 30080
VOLUMES = 12
VOLUME_SIZE = "10Gi"
# The uid the chart's pods run as (podSecurityContext.runAsUser): a hostPath volume is not
# chowned to fsGroup, so the volumes are made for it.
CHART_UID = 10001


def _render(name: str, with_ingress: bool) -> str:
    values = {"COREDNS_IMAGE": images.go_image("coredns"), "DNS_IP": NET.dns_ip,
              "METRICS_SERVER_IMAGE": images.go_image("metrics-server"),
              "INGRESS_NODE_PORT": str(INGRESS_NODE_PORT), "KSM_IMAGE": images.go_image("kube-state-metrics")}
    if with_ingress:
        values["TRAEFIK_IMAGE"] = images.go_image("traefik")
    return Template((MANIFESTS / name).read_text()).substitute(values)


def _volumes() -> str:
    docs = [(MANIFESTS / "storage.yaml.tmpl").read_text()]
    for i in range(VOLUMES):
        path = STATE / "volumes" / f"pv{i:02d}"
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, CHART_UID, CHART_UID)
        docs.append(json.dumps({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": f"local-pv{i:02d}"},
            "spec": {"capacity": {"storage": VOLUME_SIZE}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "local",
                     "hostPath": {"path": str(path), "type": "Directory"}},
        }))
    return "\n---\n".join(docs)


def apply(log: Callable[[str], None], *, with_ingress: bool = True, with_state_metrics: bool = True) -> None:
    kubectl("apply", "-f", "-", input=_volumes())
    programs = images.addon_programs(with_ingress, with_state_metrics)
    for name in programs:
        kubectl("apply", "-f", "-", input=_render(f"{name}.yaml", with_ingress))
    log("addons applied: storage, " + ", ".join(programs))
    namespaces = {"traefik": "ingress"}
    deployments = [(namespaces.get(name, "kube-system"), name) for name in programs]
    for namespace, name in deployments:
        kubectl("-n", namespace, "rollout", "status", f"deployment/{name}", "--timeout=180s", timeout=200)
        log(f"{namespace}/{name} rolled out")
    wait_for("metrics API", lambda: kubectl("top", "node", check=False).returncode == 0, 180, log)


def recycle_released_volumes() -> list[str]:
    """Make volumes left Released by an uninstalled release usable again (Retain keeps
    their data; a new release starts empty): wipe the directory, clear the claim."""
    released = json.loads(kubectl("get", "pv", "-o", "json").stdout)["items"]
    freed = []
    for pv in released:
        if pv["status"].get("phase") != "Released":
            continue
        path = Path(pv["spec"]["hostPath"]["path"])
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                import shutil

                shutil.rmtree(child)
            else:
                child.unlink()
        kubectl("patch", "pv", pv["metadata"]["name"], "--type", "json",
                "-p", '[{"op": "remove", "path": "/spec/claimRef"}]')
        freed.append(pv["metadata"]["name"])
    return freed
