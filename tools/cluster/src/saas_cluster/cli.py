"""``saas-cluster``: a real single-node Kubernetes on this machine (``make cluster``).

``up`` builds what is missing (cached), starts the node in its network namespace, waits
for the node to be Ready, installs DNS, metrics, storage and the ingress controller, and
loads every image; ``down`` removes every process, mount, interface, iptables rule and
file it made. Use the cluster with ``export KUBECONFIG=$(saas-cluster kubeconfig)``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console

from saas_cluster import addons, build, images, node
from saas_cluster.e2e.record import OUT
from saas_cluster.layout import BIN, KUBECONFIG, NET, STATE

app = typer.Typer(add_completion=False, no_args_is_help=True)
console = Console()


def log(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}")


def _node_ready() -> bool:
    out = node.kubectl("get", "node", NET.node_name, "-o", "json", check=False)
    if out.returncode != 0:
        return False
    conditions = json.loads(out.stdout)["status"].get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@app.command("build")
def build_cmd(ingress: bool = typer.Option(True, help="also build Traefik")) -> None:
    """Build (or find in the cache) every program and image the cluster needs."""
    started = time.monotonic()
    build.build_all(log, with_ingress=ingress)
    images.build(log, with_ingress=ingress)
    log(f"built in {time.monotonic() - started:.0f} s; binaries in {BIN}")


@app.command()
def up(ingress: bool = typer.Option(True, help="also run the Traefik ingress controller"),
       state_metrics: bool = typer.Option(True, help="also run kube-state-metrics (the dashboards' replica and HPA "
                                                       "panels, e2e step 8); CI's steps do without it"),
       service_images: bool = typer.Option(True, help="load the five service images (make images)")) -> None:
    """Start the cluster (building what is missing first)."""
    started = time.monotonic()
    build.build_all(log, with_ingress=ingress, with_state_metrics=state_metrics)
    cluster_images = images.build(log, with_ingress=ingress, with_state_metrics=state_metrics)
    node.start()
    log(f"node starting in network namespace {NET.netns} ({NET.node_ip}); logs in {STATE / 'logs'}")
    node.wait_for("kube-apiserver", lambda: node.kubectl("get", "--raw", "/readyz", check=False)
                  .returncode == 0, 120, log)
    node.wait_for("containerd", lambda: (STATE / "containerd" / "containerd.sock").exists(), 60, log)
    images.load(cluster_images, log)
    node.wait_for(f"node {NET.node_name}", _node_ready, 180, log)
    addons.apply(log, with_ingress=ingress, with_state_metrics=state_metrics)
    if service_images:
        images.load(images.service_images(), log, force=True)
    log(f"cluster up in {time.monotonic() - started:.0f} s: export KUBECONFIG={KUBECONFIG}")


@app.command()
def down() -> None:
    """Remove everything the cluster made (processes, mounts, interfaces, rules, files)."""
    for item in node.stop():
        log(f"removed {item}")


@app.command("load")
def load_cmd(names: list[str]) -> None:
    """Import images from the project's buildah storage into the cluster's containerd."""
    images.load(names, log, force=True)


@app.command()
def kubeconfig() -> None:
    """The admin kubeconfig's path (export KUBECONFIG=$(saas-cluster kubeconfig))."""
    print(KUBECONFIG)


@app.command()
def status() -> None:
    """Whether the cluster is up, its node and its pods."""
    if not node.netns_exists():
        console.print("no cluster (make cluster)")
        raise typer.Exit(1)
    console.print(node.kubectl("get", "nodes,pods", "-A", "-o", "wide", check=False).stdout)


STEP_NAMES = {
    1: "helm install (dev values: in-chart PostgreSQL, Redis, S3), helm test, NOTES port-forwards, both journeys",
    2: "helm install (production values) against external PostgreSQL, Redis, S3 with existing Secrets",
    3: "Traefik ingress: contract paths on the API host, Django on the admin host, 10 MiB upload",
    4: "helm upgrade to a new image tag under k6 load: 0 failed requests, no job lost",
    5: "HPA with metrics-server: scale out under k6 load, scale in after the window",
    6: "pod killed mid-load, kubelet restarted, PDB honoured by an eviction",
    7: "skaffold run / dev loop: buildah build, load, deploy, file sync visible through port-forward",
    8: "Prometheus with Kubernetes discovery and the chart's rules: dashboard queries return data",
}
# Run order: the production install last (it needs the room the dev release frees), the
# Prometheus step after the load steps (it queries what they produced).
ORDER = (1, 3, 4, 5, 6, 8, 7, 2)


@app.command()
def e2e(steps: str = typer.Option(",".join(map(str, ORDER)), help="comma-separated step numbers, run in this order"),
        out: Path = typer.Option(OUT, help="where the summary goes")) -> None:
    """Run the chart's user workflows against the cluster; writes docs/deploy/e2e/."""
    from saas_cluster.e2e import steps as s
    from saas_cluster.e2e.record import Run, StepResult

    functions = {1: s.step_dev_install, 2: s.step_prod_install, 3: s.step_ingress, 4: s.step_upgrade_under_load,
                 5: s.step_autoscaling, 6: s.step_faults, 7: s.step_dev_loop, 8: s.step_prometheus}
    chosen = [int(n) for n in steps.split(",") if n.strip()]
    run = Run([StepResult(n, STEP_NAMES[n]) for n in sorted(chosen)], out=out)
    started = time.monotonic()
    results = [run.step(n, functions[n], log) for n in chosen]
    log(f"e2e: {sum(results)}/{len(results)} steps passed in {time.monotonic() - started:.0f} s; "
        f"{out / 'summary.md'}")
    if not all(results):
        raise typer.Exit(1)
