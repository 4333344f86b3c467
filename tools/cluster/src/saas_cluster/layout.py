"""Where the cluster keeps its binaries, its state and its network, all in one place.

Invariant: nothing the cluster creates lives in the checkout or in system folders other
than the ones named here, so `make cluster-down` can remove all of it: binaries and the
build cache in ``CACHE`` (kept between clusters; building Kubernetes costs minutes), the
running cluster's certificates, etcd data, containerd storage and logs in ``STATE``
(removed by ``down``), and one network namespace joined to the host by one veth pair.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
VERSIONS_FILE = ROOT / "tools" / "cluster" / "versions.toml"
CACHE = Path(os.environ.get("SAAS_CLUSTER_CACHE", Path.home() / ".cache" / "saas-cluster"))
BIN = CACHE / "bin"
STATE = Path(os.environ.get("SAAS_CLUSTER_STATE", "/var/lib/saas-cluster"))
KUBECONFIG = STATE / "admin.kubeconfig"


@dataclass(frozen=True)
class Network:
    """The node's addresses. The node lives in its own network namespace; the host side
    of the veth pair is how the host's kubectl, helm and Prometheus reach it, and how pods
    reach servers the host runs for them (step 2 of the e2e: external PostgreSQL)."""

    netns: str = "saas-k8s"
    host_if: str = "saask8s0"
    node_if: str = "eth0"
    host_ip: str = "10.203.0.1"
    node_ip: str = "10.203.0.2"
    prefix: int = 24
    pod_cidr: str = "10.244.0.0/24"
    service_cidr: str = "10.96.0.0/16"
    kubernetes_service_ip: str = "10.96.0.1"
    dns_ip: str = "10.96.0.10"
    node_name: str = "saas-node"


NET = Network()


def versions() -> dict[str, Any]:
    return tomllib.loads(VERSIONS_FILE.read_text())
