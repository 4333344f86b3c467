"""Every image the cluster runs, made on this machine and imported into its containerd.

No registry can be reached, so the images are built with the project's buildah storage
(``saas_images.engine``, the same one ``make images`` uses) from the Containerfiles in
``tools/cluster/images/``, and handed to containerd as archives. Their names start with
``localhost/`` so that containerd never reads them as Docker Hub names, and the pods use
``imagePullPolicy: IfNotPresent``: nothing is ever pulled.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from saas_cluster.layout import BIN, ROOT, STATE, versions
from saas_images.base import ensure_base
from saas_images.engine import SERVICES, Engine, image_name

CONTEXTS = ROOT / "tools" / "cluster" / "images"
PAUSE = "localhost/pause:3.10"


def _context_hash(name: str) -> str:
    """A short hash of an image's Containerfile and files: a changed file is a new tag,
    so a cached image is never mistaken for the current one."""
    digest = hashlib.sha256()
    for item in sorted((CONTEXTS / name).iterdir()):
        digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()[:8]


def moto_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("moto")


def dev_postgresql() -> str:
    return f"localhost/saas-dev-postgresql:15-{_context_hash('postgresql')}"


def dev_redis() -> str:
    return f"localhost/saas-dev-redis:7-{_context_hash('redis')}"


def dev_s3() -> str:
    return f"localhost/saas-dev-s3:moto-{moto_version()}-{_context_hash('s3')}"


def go_image(name: str) -> str:
    return f"localhost/{name}:{versions()['go'][name]['version']}"


def _build(engine: Engine, context: str, tag: str, files: dict[str, Path], log: Callable[[str], None],
           build_args: dict[str, str] | None = None) -> None:
    if engine.image_exists(tag):
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for item in (CONTEXTS / context).iterdir():
            shutil.copy2(item, work / item.name)
        for name, source in files.items():
            shutil.copy2(source, work / name)
        argv = ["bud", "--isolation", "chroot", "--network", "host", "--pull-never", "--layers=false",
                "-f", str(work / "Containerfile"), "-t", tag]
        for key, value in (build_args or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        engine.run(engine.buildah(*argv, str(work)), capture=False)
    log(f"built {tag}")


def addon_programs(with_ingress: bool = True, with_state_metrics: bool = True) -> list[str]:
    """The Go programs that run as cluster add-ons, each in an image of its own."""
    return (["coredns", "metrics-server"] + (["kube-state-metrics"] if with_state_metrics else [])
            + (["traefik"] if with_ingress else []))


def cluster_images(with_ingress: bool = True, with_state_metrics: bool = True) -> list[str]:
    names = [PAUSE, dev_postgresql(), dev_redis(), dev_s3()]
    return names + [go_image(name) for name in addon_programs(with_ingress, with_state_metrics)]


def build(log: Callable[[str], None], *, with_ingress: bool = True, with_state_metrics: bool = True) -> list[str]:
    engine = Engine()
    ensure_base(engine, log)
    _build(engine, "pause", PAUSE, {"catatonit": Path("/usr/bin/catatonit")}, log)
    for name in addon_programs(with_ingress, with_state_metrics):
        _build(engine, name, go_image(name), {name: BIN / name}, log)
    _build(engine, "postgresql", dev_postgresql(), {}, log)
    _build(engine, "redis", dev_redis(), {}, log)
    _build(engine, "s3", dev_s3(), {}, log, {"MOTO_VERSION": moto_version()})
    return cluster_images(with_ingress, with_state_metrics)


def service_images(tag: str = "dev") -> list[str]:
    return [image_name(service, tag) for service in SERVICES]


def containerd_images() -> set[str]:
    out = subprocess.run(_ctr("images", "list", "-q"), check=True, capture_output=True, text=True)
    return set(out.stdout.split())


def _ctr(*args: str) -> list[str]:
    return ["ctr", "--address", str(STATE / "containerd" / "containerd.sock"), "--namespace", "k8s.io",
            *args]


def load(names: list[str], log: Callable[[str], None], *, force: bool = False) -> None:
    """Import images from the buildah storage into the cluster's containerd."""
    engine = Engine()
    present = containerd_images()
    for name in names:
        if name in present and not force:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "image.tar"
            engine.run(engine.podman("save", "--format", "docker-archive", "-o", str(archive), name))
            subprocess.run(_ctr("images", "import", str(archive)), check=True, capture_output=True)
        log(f"loaded {name}")
