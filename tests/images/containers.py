"""The service images run as containers on the host network, the way a pod would run them:
read-only root filesystem, only ``/tmp`` writable, every capability dropped, no privilege
escalation, the image's own user. Shared by the image tests and ``podman kube play`` checks."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from saas_images.engine import SERVICES, Engine, image_name

MIGRATE = "python -m saaskit.db.migrate upgrade && exec python -m admin_service.manage migrate --noinput"


def require_images(engine: Engine) -> None:
    missing = [image_name(s) for s in SERVICES if not engine.image_exists(image_name(s))]
    if missing:
        raise RuntimeError(f"images not built: {', '.join(missing)}; run `make images` first")


def readable_copy(source: Path, target: Path) -> Path:
    """A copy the image's non-root user can read (a Secret volume's files are 0644)."""
    shutil.copytree(source, target)
    target.chmod(0o755)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@dataclass
class Container:
    engine: Engine
    name: str
    service: str

    def logs(self) -> str:
        result = self.engine.run(self.engine.podman("logs", self.name), check=False)
        return (result.stdout + result.stderr).decode(errors="replace")[-6000:]

    def running(self) -> bool:
        result = self.engine.run(self.engine.podman("inspect", "--format", "{{.State.Running}}", self.name),
                                 check=False)
        return result.stdout.decode().strip() == "true"

    def exec(self, *argv: str):
        return self.engine.run(self.engine.podman("exec", self.name, *argv), check=False)

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"{self.service} exited before {url} answered:\n{self.logs()}")
            try:
                response = httpx.get(url, timeout=2.0)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:500]}"
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s (last: {last}):\n{self.logs()}")


@contextmanager
def container(engine: Engine, service: str, env: dict[str, str], volumes: dict[Path, str] | None = None,
              command: list[str] | None = None) -> Iterator[Container]:
    name = f"saas-test-{service}-{uuid.uuid4().hex[:8]}"
    engine.run(engine.run_hardened(service, name, env, volumes or {}, command, detach=True))
    try:
        yield Container(engine, name, service)
    finally:
        engine.run(engine.podman("rm", "--force", "--time", "0", name), check=False)


def run_once(engine: Engine, service: str, env: dict[str, str], command: list[str], timeout: float = 180):
    """Run a container to completion (a Job's pod); returns the finished process."""
    name = f"saas-test-{service}-job-{uuid.uuid4().hex[:8]}"
    try:
        return engine.run(engine.run_hardened(service, name, env, {}, command, detach=False),
                          check=False, timeout=timeout)
    finally:
        engine.run(engine.podman("rm", "--force", "--time", "0", name), check=False)
