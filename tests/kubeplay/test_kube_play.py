"""The chart's own pods, played without a cluster, do what the kubelet and the users
expect of them: the migration hook succeeds, every probe answers within its timing, the
helm test pod passes, both implementations serve the user journey, an upload is
processed by the played worker, each container runs as the spec's uid and writes only
to its declared volumes, and a stop under load loses no request."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
from PIL import Image

from tests.deploy.chart import HTTP_SERVICES, SERVICES
from tests.kubeplay.conftest import probe_url, spec_of
from tests.kubeplay.play import run_pod_to_completion, wait_exit
from tests.support.api import PASSWORD, unique_username


def url(kube_play, service: str) -> str:
    return f"http://127.0.0.1:{kube_play.container(service)['ports'][0]['containerPort']}"


def account(base: str) -> dict[str, str]:
    username = unique_username("kp")
    response = httpx.post(f"{base}/auth/register", timeout=10,
                          json={"email": f"{username}@example.com", "username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    tokens = httpx.post(f"{base}/auth/token", data={"username": username, "password": PASSWORD}, timeout=10)
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def test_the_migration_job_ran_first_and_succeeded(kube_play):
    code, logs = kube_play.migration
    assert code == 0, logs
    job = kube_play.rendered.get("Job", f"{kube_play.release}-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


@pytest.mark.parametrize("probe", ["startupProbe", "readinessProbe", "livenessProbe"])
@pytest.mark.parametrize("service", SERVICES)
def test_every_probe_answers_within_its_timeout(kube_play, service, probe):
    target, spec = probe_url(kube_play, service, probe)
    response = httpx.get(target, timeout=spec.get("timeoutSeconds", 1))
    assert response.status_code == 200, response.text


def test_the_helm_test_pod_passes_against_the_played_pods(kube_play):
    test_pod = kube_play.rendered.get("Pod", f"{kube_play.release}-test")
    assert test_pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    code, logs = run_pod_to_completion(kube_play, test_pod, timeout=180)
    assert code == 0, logs


@pytest.mark.parametrize("implementation", ["auth", "admin"])
def test_register_login_me(kube_play, implementation):
    base = url(kube_play, implementation)
    headers = account(base)
    me = httpx.get(f"{base}/auth/me", headers=headers)
    assert me.status_code == 200, me.text


def test_an_upload_reaches_ready_through_the_played_worker(kube_play):
    headers = account(url(kube_play, "auth"))
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 200)).save(buffer, "PNG")
    files = url(kube_play, "files")
    created = httpx.post(f"{files}/files", headers=headers, files={"file": ("blue.png", buffer.getvalue(), "image/png")})
    assert created.status_code == 201, created.text
    deadline = time.monotonic() + 30
    status = created.json()["status"]
    while status == "pending" and time.monotonic() < deadline:
        time.sleep(0.25)
        status = httpx.get(f"{files}/files/{created.json()['id']}", headers=headers).json()["status"]
    assert status == "ready"


WRITE_PROBE = """
import json, os, sys
result = {"uid": os.getuid(), "gid": os.getgid(), "denied": [], "allowed": []}
for path in sys.argv[1:]:
    try:
        with open(os.path.join(path, ".write-probe"), "w") as handle:
            handle.write("x")
        os.unlink(os.path.join(path, ".write-probe"))
        result["allowed"].append(path)
    except OSError:
        result["denied"].append(path)
print(json.dumps(result))
"""


@pytest.mark.parametrize("service", SERVICES)
def test_runs_as_the_spec_uid_and_writes_only_to_its_volumes(kube_play, service):
    import json

    spec = spec_of(kube_play, service)
    container = spec["containers"][0]
    context = {**spec.get("securityContext", {}), **container.get("securityContext", {})}
    writable = [m["mountPath"] for m in container.get("volumeMounts", []) if not m.get("readOnly")]
    read_only = ["/", "/app", "/app/.venv", "/etc", "/var",
                 *[m["mountPath"] for m in container.get("volumeMounts", []) if m.get("readOnly")]]
    engine = kube_play.engine
    result = engine.run(engine.podman("exec", kube_play.container_name(service), "python", "-c", WRITE_PROBE,
                                      *writable, *read_only), check=False)
    assert result.returncode == 0, result.stderr.decode()
    seen = json.loads(result.stdout)
    assert seen["uid"] == context["runAsUser"] and seen["gid"] == context["runAsGroup"]
    assert seen["allowed"] == writable
    assert seen["denied"] == read_only


@dataclass
class Load:
    """A bounded closed-loop load on one service; stops sending new requests once its
    endpoint is "removed" (as kube-proxy would stop routing new requests to the pod)."""

    target: str
    headers: dict[str, str]
    threads: int = 4
    limit_seconds: float = 60
    routed: threading.Event = field(default_factory=threading.Event)
    ok: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        self.routed.set()
        workers = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        return workers

    def _loop(self) -> None:
        deadline = time.monotonic() + self.limit_seconds
        with httpx.Client(timeout=10) as client:
            while self.routed.is_set() and time.monotonic() < deadline:
                try:
                    response = client.get(self.target, headers=self.headers)
                    outcome = None if response.status_code == 200 else f"{response.status_code}"
                except httpx.HTTPError as exc:
                    outcome = repr(exc)
                with self.lock:
                    if outcome is None:
                        self.ok += 1
                    else:
                        self.failed.append(outcome)


# How long after a pod starts terminating the endpoints still route to it (kube-proxy's
# propagation); the chart's preStop pause must cover it.
ENDPOINT_PROPAGATION_SECONDS = 2.0


def kubelet_stop(kube_play, service: str) -> tuple[float, int, str]:
    """What the kubelet does: the preStop hook, then SIGTERM, then SIGKILL once the
    grace period (counted from the start) is over. Returns (seconds, exit code, logs)."""
    spec = spec_of(kube_play, service)
    container = spec["containers"][0]
    grace = spec["terminationGracePeriodSeconds"]
    name = kube_play.container_name(service)
    engine = kube_play.engine
    started = time.monotonic()
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    engine.run(engine.podman("exec", name, *pre_stop), check=False, timeout=grace)
    left = max(1, int(grace - (time.monotonic() - started)))
    engine.run(engine.podman("stop", "--time", str(left), name), check=False, timeout=grace + 10)
    code, logs = wait_exit(engine, name, 5)
    return time.monotonic() - started, code, logs


def test_stopping_under_load_loses_no_request(kube_play):
    """Last in the module: it stops every played pod."""
    headers = account(url(kube_play, "auth"))
    me = httpx.get(f"{url(kube_play, 'auth')}/auth/me", headers=headers).json()
    targets = {
        "auth": f"{url(kube_play, 'auth')}/auth/me",
        "resources": f"{url(kube_play, 'resources')}/users/{me['id']}",
        "files": f"{url(kube_play, 'files')}/files",
        "admin": f"{url(kube_play, 'admin')}/users/{me['id']}",
    }
    loads = {service: Load(targets[service], headers) for service in HTTP_SERVICES}
    threads = {service: load.run() for service, load in loads.items()}
    time.sleep(2)  # the load is flowing
    report = {}
    for service in SERVICES:
        load = loads.get(service)
        if load is not None:
            threading.Timer(ENDPOINT_PROPAGATION_SECONDS, load.routed.clear).start()
        took, code, logs = kubelet_stop(kube_play, service)
        grace = spec_of(kube_play, service)["terminationGracePeriodSeconds"]
        report[service] = (round(took, 1), code, load.ok if load else None, len(load.failed) if load else None)
        # Exit code 0, not 137: it stopped on SIGTERM, not killed at the end of its grace
        # period (which the report's seconds only illustrate: a loaded machine is slower).
        assert code == 0, f"{service} exited {code} (grace {grace} s):\n{logs}"
    for workers in threads.values():
        for worker in workers:
            worker.join(15)
    for service, load in loads.items():
        assert load.ok > 0, f"no request reached {service}"
        assert load.failed == [], f"{service}: {len(load.failed)} failed requests, e.g. {load.failed[:3]}; {report}"
    print("stop under load (seconds, exit code, ok, failed):", report)
