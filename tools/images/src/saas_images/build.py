"""Build the five service images from ``services/<name>/Dockerfile`` (context: the repo root)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

from saas_images.base import ensure_base
from saas_images.engine import ROOT, SERVICES, Engine, ensure_debian_packages, image_name


@dataclass
class Built:
    service: str
    image: str
    seconds: float
    size_bytes: int


def build(services: tuple[str, ...] = SERVICES, tag: str = "dev", engine: Engine | None = None,
          log=print) -> list[Built]:
    engine = engine or Engine()
    ensure_debian_packages()
    ensure_base(engine, log)
    built = []
    for service in services:
        name = image_name(service, tag)
        log(f"building {name} from services/{service}/Dockerfile")
        started = time.monotonic()
        # --layers keeps the dependency layer cached until uv.lock or a pyproject changes.
        argv = engine.buildah("bud", "--isolation", "chroot", "--network", "host", "--pull-never",
                              "--layers", "--quiet", "-f", f"services/{service}/Dockerfile",
                              "-t", name, str(ROOT))
        result = subprocess.run(argv, env=engine.env, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"building {name} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        built.append(Built(service, name, time.monotonic() - started, engine.image_size(name)))
    # Layers of earlier builds that no tag uses any more.
    engine.run(engine.podman("image", "prune", "--force"), check=False)
    return built
