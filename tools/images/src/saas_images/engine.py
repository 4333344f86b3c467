"""buildah and podman, with every byte of their state under the repository's ``.build/``.

Invariant: nothing this project builds or runs lands in the machine's system storage, and
the same commands work for the image build, the image tests and ``podman kube play``.
The options are the ones seen to work on a machine without a container daemon
(``runc``, ``cgroupfs``, chroot isolation, host networking); see docs/deploy.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
STATE = ROOT / ".build" / "containers"
SERVICES = ("auth", "resources", "files", "admin", "worker")
# What the Dockerfiles start FROM: the official image on a machine with Docker, a local
# stand-in with the same name here (see saas_images.base).
BASE_IMAGE = "python:3.11-slim"
DEBIAN_PACKAGES = ("buildah", "podman", "runc", "debootstrap")

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""


def image_name(service: str, tag: str = "dev") -> str:
    return f"localhost/saas-{service}:{tag}"


def ensure_debian_packages() -> None:
    """Install the container tools from Debian when one is missing (root, apt)."""
    missing = [name for name in DEBIAN_PACKAGES if shutil.which(name) is None
               and shutil.which(name, path="/usr/sbin:/sbin") is None]
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES,
                    "uidmap", "slirp4netns", "catatonit", "containernetworking-plugins"],
                   check=True, env=env)


@dataclass(frozen=True)
class Engine:
    """One storage root for buildah and podman; ``argv`` prefixes each command."""

    state: Path = STATE

    @property
    def conf(self) -> Path:
        path = self.state / "containers.conf"
        if not path.exists() or path.read_text() != CONTAINERS_CONF:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(CONTAINERS_CONF)
        return path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.conf)}

    def _storage(self) -> list[str]:
        return ["--root", str(self.state / "root"), "--runroot", str(self.state / "runroot")]

    def buildah(self, *args: str) -> list[str]:
        return ["buildah", *self._storage(), *args]

    def podman(self, *args: str) -> list[str]:
        return ["podman", *self._storage(), "--runtime", "runc", "--cgroup-manager", "cgroupfs",
                *args]

    def run(self, argv: list[str], *, check: bool = True, capture: bool = True,
            timeout: float | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(argv, env=self.env, check=check, capture_output=capture,
                              timeout=timeout, input=input, cwd=ROOT)

    def run_hardened(self, service: str, name: str, env: dict[str, str], volumes: dict[Path, str],
                     command: list[str] | None = None, *, detach: bool, tag: str = "dev") -> list[str]:
        """``podman run`` of a service image as a pod runs it: host network, read-only root
        with only ``/tmp`` writable, every capability dropped, no new privileges, the
        image's own user."""
        argv = ["run", "--name", name, "--network", "host", "--read-only", "--read-only-tmpfs=false",
                "--tmpfs", "/tmp:rw,size=64m",  # noqa: S108 - the container's own /tmp
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        if detach:
            argv.append("--detach")
        for key, value in env.items():
            argv += ["--env", f"{key}={value}"]
        for host, target in volumes.items():
            argv += ["--volume", f"{host}:{target}"]
        return self.podman(*argv, image_name(service, tag), *(command or []))

    def image_exists(self, name: str) -> bool:
        return self.run(self.podman("image", "exists", name), check=False).returncode == 0

    def image_size(self, name: str) -> int:
        out = self.run(self.podman("image", "inspect", "--format", "{{.Size}}", name)).stdout
        return int(out.decode().strip())
