"""The dev configuration on the images `make images` built: the init container of
helm/saas/values-dev.yaml seeds writable copies of the sources as uid 10001 on a
read-only root, skaffold's sync (``tar xmf - -C / --no-same-owner`` through kubectl
exec) can write a file at every sync destination, the server imports its code from
there, and the reloader the dev command names is in the image."""

from __future__ import annotations

import io
import subprocess
import tarfile
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
