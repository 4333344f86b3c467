"""helm, kubectl and port-forward against the cluster, as a user types them."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from saas_cluster import images
from saas_cluster.layout import BIN, ROOT, STATE
from saas_cluster.node import kubectl, kubectl_env

CHART = ROOT / "helm" / "saas"
INGRESS = "http://10.203.0.2:30080"


def helm(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([str(BIN / "helm"), *args], env=kubectl_env(), capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"helm {' '.join(args[:3])}: {out.stderr.strip()[-3000:]}")
    return out


def cluster_values(extra: dict[str, Any] | None = None, tag: str = "dev") -> Path:
    """The values this cluster needs on top of the chart's own value files: images from
    this machine (no registry), the in-chart dependencies built from Debian packages, and
    the ingress controller it runs (Traefik, HTTP on the node), and requests a 2-core
    node can hold: at the chart's 250m per service, a rolling upgrade's surge pods did not
    fit beside the release and stayed Pending."""
    services = ("auth", "resources", "files", "admin", "worker")
    small = {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"cpu": "1", "memory": "768Mi"}}
    values: dict[str, Any] = {
        "image": {"registry": "localhost", "pullPolicy": "IfNotPresent"},
        **{s: {"image": {"tag": tag}, "resources": small} for s in services},
        "postgresql": {"image": images.dev_postgresql()},
        "redis": {"image": images.dev_redis()},
        "minio": {"image": images.dev_s3()},
    }
    _merge(values, extra or {})
    path = STATE / f"values-cluster-{abs(hash(json.dumps(values, sort_keys=True))):x}.yaml"
    path.write_text(yaml.safe_dump(values, sort_keys=False))
    return path


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def pods(namespace: str, selector: str = "") -> list[dict[str, Any]]:
    args = ["-n", namespace, "get", "pods", "-o", "json"] + (["-l", selector] if selector else [])
    return json.loads(kubectl(*args).stdout)["items"]


def ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def wait_ready(namespace: str, timeout: float = 300) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        current = [p for p in pods(namespace) if p["status"].get("phase") != "Succeeded"
                   and not p["metadata"].get("deletionTimestamp")]
        if current and all(ready(p) for p in current):
            return current
        if time.monotonic() > deadline:
            waiting = [p["metadata"]["name"] for p in current if not ready(p)]
            raise TimeoutError(f"pods not Ready after {timeout:.0f} s: {waiting}")
        time.sleep(2)


def free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@contextlib.contextmanager
def port_forwards(commands: list[list[str]]) -> Iterator[None]:
    """Run ``kubectl port-forward`` commands (as NOTES.txt prints them) until the block ends."""
    procs = []
    try:
        for argv in commands:
            ports = argv[-1].split(":")[0]
            if not free(int(ports)):
                raise RuntimeError(f"port {ports} is taken on 127.0.0.1: stop what holds it")
            procs.append(subprocess.Popen([str(BIN / "kubectl"), *argv[1:]], env=kubectl_env(),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        for argv in commands:
            port = int(argv[-1].split(":")[0])
            while free(port):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"port-forward {argv[-2]} never listened")
                time.sleep(0.2)
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


def notes_port_forwards(release: str, namespace: str) -> list[list[str]]:
    """The port-forward lines of the release's NOTES, as argv (comments dropped)."""
    notes = helm("get", "notes", release, "-n", namespace).stdout
    commands = []
    for line in notes.splitlines():
        if "port-forward" in line:
            command = line.split("#")[0].split()
            commands.append(command)
    return commands
