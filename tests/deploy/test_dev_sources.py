"""The dev configuration on the images `make images` built: the init container of
helm/saas/values-dev.yaml seeds writable copies of the sources as uid 10001 on a
read-only root, skaffold's sync (``tar xmf - -C / --no-same-owner`` through kubectl
exec) can write a file at every sync destination, the server imports its code from
there, the reloader the dev command names is in the image, and a synced edit is what
the running server serves once that reloader has restarted it."""

from __future__ import annotations

import io
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from saas_images.engine import Engine, image_name
from tests.deploy import chart
from tests.deploy import skaffold as sk

PACKAGES = {"auth": "auth_service", "resources": "resources_service", "files": "files_service",
            "admin": "admin_service", "worker": "worker"}
# The reloader each dev command starts (helm/saas/values-dev.yaml).
RELOADERS = {"auth": "import watchfiles, uvicorn", "resources": "import watchfiles, uvicorn",
             "files": "import watchfiles, uvicorn", "admin": "import gunicorn.reloader",
             "worker": "import watchfiles.cli"}


@pytest.fixture(scope="module")
def engine():
    engine = Engine()
    for service in chart.SERVICES:
        assert engine.image_exists(image_name(service)), f"{image_name(service)} missing: run `make images`"
    return engine


@pytest.fixture(scope="module")
def dev_pods():
    config = sk.load()
    rendered = sk.render_app(config)
    artifacts = dict(zip(chart.SERVICES, config["build"]["artifacts"], strict=True))
    return {s: (chart.pod_spec(rendered.get("Deployment", f"saas-{s}")), artifacts[s]) for s in chart.SERVICES}


def podman_run(engine: Engine, service: str, volumes: dict[str, Path], argv: list[str],
               stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The image as the chart runs it: uid 10001, read-only root, a writable /tmp."""
    cmd = ["run", "--rm", "-i", "--network", "none", "--read-only", "--user", "10001:10001",
           "--tmpfs", "/tmp", "--entrypoint", argv[0]]
    for mount, host in volumes.items():
        cmd += ["-v", f"{host}:{mount}"]
    proc = engine.run(engine.podman(*cmd, image_name(service), *argv[1:]), check=False, input=stdin, timeout=180)
    assert proc.returncode == 0, f"{service}: {argv} failed: {proc.stderr.decode()[-2000:]}"
    return proc


def skaffold_tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name.lstrip("/"))
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("service", chart.SERVICES)
def test_sync_writes_where_the_server_imports_from(service, engine, dev_pods, tmp_path):
    spec, artifact = dev_pods[service]
    (init,) = spec["initContainers"]
    main = spec["containers"][0]
    # emptyDirs: empty, writable by the pod's user.
    dirs = {v["name"]: tmp_path / v["name"] for v in spec["volumes"] if v["name"].startswith("dev-sources")}
    for path in dirs.values():
        path.mkdir()
        path.chmod(0o777)
    seed_mounts = {m["mountPath"]: dirs[m["name"]] for m in init["volumeMounts"]}
    podman_run(engine, service, seed_mounts, init["command"])
    mounts = {m["mountPath"]: dirs[m["name"]] for m in main["volumeMounts"] if m["name"] in dirs}
    destinations = [rule["dest"] for rule in artifact["sync"]["manual"]]
    assert set(destinations) == set(mounts)

    # The seeded copies hold the image's sources: same packages as the repository's trees.
    for rule in artifact["sync"]["manual"]:
        tree = sk.ROOT / rule["strip"]
        expected = {p.name for p in tree.iterdir() if not p.name.startswith((".", "__"))}
        assert expected <= {p.name for p in mounts[rule["dest"]].iterdir()}

    # skaffold's sync: a tar of changed files extracted at / as the container's user.
    marker = {f"{dest}/dev_sync_probe_{i}.py": f"WHERE = {dest!r}\n".encode() for i, dest in enumerate(destinations)}
    podman_run(engine, service, mounts, ["tar", "xmf", "-", "-C", "/", "--no-same-owner"],
               stdin=skaffold_tar(marker))
    for name, data in marker.items():
        dest = next(d for d in destinations if name.startswith(d + "/"))
        assert (mounts[dest] / Path(name).name).read_bytes() == data

    # The running server imports from the synced paths, and its reloader is there.
    package, service_src = PACKAGES[service], f"/app/services/{service}/src"
    probe = (f"import {package}, saaskit, dev_sync_probe_0, dev_sync_probe_1; {RELOADERS[service]}; "
             f"print({package}.__file__, saaskit.__file__)")
    out = podman_run(engine, service, mounts, ["python", "-c", probe]).stdout.decode().split()
    assert out[0].startswith(service_src + "/") and out[1].startswith("/app/libs/saaskit/src/")


# An edit per server, as a developer would make it, visible only once the server has
# reloaded the code: a new route (uvicorn --reload; for gunicorn --reload, a change of
# the settings, which a preloaded master would keep: the dev values turn preloading off)
# or a new metric (watchfiles restarting `python -m worker`).
# service -> ({file: text appended (a new file when it does not exist)}, path, shows the edit)
EDITS = {
    "auth": ({"/app/services/auth/src/auth_service/main.py": b"""

_image_create_app = create_app


def create_app():  # appended by tests/deploy/test_dev_sources.py
    app = _image_create_app()
    app.add_api_route("/dev-sync-probe", lambda: {"reloaded": True})
    return app
"""}, "/dev-sync-probe", lambda r: r.status_code == 200),
    "admin": ({
        "/app/services/admin/src/admin_service/settings.py": b"""
ROOT_URLCONF = "admin_service.dev_sync_probe"  # appended by tests/deploy/test_dev_sources.py
""",
        "/app/services/admin/src/admin_service/dev_sync_probe.py": b"""
from django.http import JsonResponse
from django.urls import path

from admin_service.urls import urlpatterns as image_urlpatterns

urlpatterns = [*image_urlpatterns, path("dev-sync-probe", lambda request: JsonResponse({"reloaded": True}))]
"""}, "/dev-sync-probe", lambda r: r.status_code == 200),
    "worker": ({"/app/services/worker/src/worker/metrics.py": b"""

from prometheus_client import Gauge as _Gauge  # appended by tests/deploy/test_dev_sources.py

_Gauge("dev_sync_probe", "Set by a synced edit.").set(1)
"""}, "/metrics", lambda r: r.status_code == 200 and "dev_sync_probe 1.0" in r.text),
}


def dev_env(container: dict, port: int, database_url: str, redis_url: str) -> list[str]:
    """The container's literal env from the chart, listening on a free loopback port,
    with the test's PostgreSQL and Redis and local file storage under /tmp."""
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update({"UVICORN_HOST": "127.0.0.1", "UVICORN_PORT": str(port), "GUNICORN_BIND": f"127.0.0.1:{port}",
                "APP_WORKER_METRICS_HOST": "127.0.0.1", "APP_WORKER_METRICS_PORT": str(port),
                "APP_DATABASE_URL": database_url, "APP_REDIS_URL": redis_url,
                "APP_STORAGE_BACKEND": "local", "APP_STORAGE_LOCAL_DIR": "/tmp/storage"})
    return [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]


def get(url: str):
    import httpx

    try:
        return httpx.get(url, timeout=2)
    except httpx.TransportError:
        return None


@pytest.mark.parametrize("service", sorted(EDITS))
def test_a_synced_edit_reloads_the_running_server(service, engine, dev_pods, keys_dir, database_url, redis_url,
                                                  tmp_path):
    """The dev command from the rendered chart on the real image: a file written by
    skaffold's exec'd tar is what the server runs after its reloader restarts it."""
    from devstack.net import free_port, wait_http

    spec, _ = dev_pods[service]
    (init,) = spec["initContainers"]
    main = spec["containers"][0]
    dirs = {v["name"]: tmp_path / v["name"] for v in spec["volumes"] if v["name"].startswith("dev-sources")}
    for path in dirs.values():
        path.mkdir()
        path.chmod(0o777)
    podman_run(engine, service, {m["mountPath"]: dirs[m["name"]] for m in init["volumeMounts"]}, init["command"])
    for key in keys_dir.iterdir():
        key.chmod(0o644)
    keys_dir.chmod(0o755)
    port = free_port()
    name = f"dev-reload-probe-{port}"
    cmd = ["run", "-d", "--name", name, "--network", "host", "--read-only", "--user", "10001:10001",
           "--tmpfs", "/tmp", "-v", f"{keys_dir}:/etc/saas/jwt-keys:ro", "-e", "APP_JWT_KEYS_DIR=/etc/saas/jwt-keys",
           *dev_env(main, port, database_url, redis_url), "--entrypoint", main["command"][0]]
    mounts = {m["mountPath"]: dirs[m["name"]] for m in main["volumeMounts"] if m["name"] in dirs}
    for mount, host in mounts.items():
        cmd += ["-v", f"{host}:{mount}"]
    engine.run(engine.podman(*cmd, image_name(service), *main["command"][1:]), timeout=120)
    appended, path, shows_edit = EDITS[service]
    url = f"http://127.0.0.1:{port}{path}"
    try:
        wait_http(url if service == "worker" else f"http://127.0.0.1:{port}/healthz", timeout=60)
        assert not shows_edit(get(url))
        # gunicorn's polling reloader takes a module's mtime the first second it sees it
        # imported (urls.py: at the first request); an edit must come after that, as a
        # developer's does.
        time.sleep(3)
        edited = {}
        for target, text in appended.items():
            dest = next(m for m in mounts if target.startswith(m + "/"))
            seeded = mounts[dest] / target[len(dest) + 1:]
            edited[target] = (seeded.read_bytes() if seeded.exists() else b"") + text
        engine.run(engine.podman("exec", "-i", name, "tar", "xmf", "-", "-C", "/", "--no-same-owner"),
                   input=skaffold_tar(edited), timeout=60)
        deadline = time.monotonic() + 60
        response = get(url)
        while time.monotonic() < deadline and not (response is not None and shows_edit(response)):
            time.sleep(0.5)
            response = get(url)
        logs = engine.run(engine.podman("logs", name), check=False)
        assert response is not None and shows_edit(response), (
            f"{service}: the edit did not show after a reload; logs:\n{(logs.stdout + logs.stderr).decode()[-3000:]}")
    finally:
        engine.run(engine.podman("rm", "-f", "-t", "2", name), check=False, timeout=60)
