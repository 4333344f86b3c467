"""The stand-in for ``python:3.11-slim`` on a machine that cannot pull images.

A minimal Debian bookworm (the official slim image's distribution) with Python 3.11 and
pip, made with debootstrap from the Debian mirror apt already uses, and tagged with the
official name in this project's own storage. The Dockerfiles then build unchanged: here
against the stand-in, on a machine with Docker against the real base. The one difference
the Dockerfiles must tolerate: Python is Debian's ``/usr/bin/python3`` here and
``/usr/local/bin/python3`` there, so they call ``python3`` from PATH.

The stand-in also trusts what this machine trusts (its CA bundle, which may include a
TLS-inspecting egress proxy's CA), with ``SSL_CERT_FILE`` pointing at it for uv: builds
reach the package index the way the host does. The official base needs neither.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from saas_images.engine import BASE_IMAGE, Engine

STANDIN = "localhost/debian:bookworm-python"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
APT_SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))


def debian_mirror() -> str:
    """The Debian mirror this machine's apt is configured with."""
    for path in APT_SOURCES:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] == ["URIs:"] and "security" not in words[1]:
                return words[1]
            if words[:1] == ["deb"]:
                url = next(w for w in words[1:] if "://" in w)
                if "security" not in url:
                    return url
    raise RuntimeError("no Debian mirror found in the apt sources")


def ensure_base(engine: Engine, log=print) -> None:
    """Make the stand-in once; later builds reuse it from the storage."""
    if engine.image_exists(BASE_IMAGE):
        return
    rootfs = engine.state.parent / "base" / "rootfs"
    if not (rootfs / "usr/bin/python3").exists():
        log(f"debootstrap: a minimal Debian bookworm with Python 3.11 into {rootfs} (about a minute)")
        shutil.rmtree(rootfs, ignore_errors=True)
        rootfs.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-pip,python3-venv",
                        "bookworm", str(rootfs), debian_mirror()], check=True,
                       stdout=subprocess.DEVNULL)
    # As in the official image, pip may install into the system Python.
    (rootfs / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink(missing_ok=True)
    shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(engine.podman("import", "--change", f"ENV SSL_CERT_FILE={HOST_CA_BUNDLE}",
                                 "--change", 'CMD ["python3"]', "-", STANDIN),
                   stdin=tar.stdout, env=engine.env, check=True, stdout=subprocess.DEVNULL)
    tar.wait()
    engine.run(engine.buildah("tag", STANDIN, BASE_IMAGE))
    log(f"stand-in base {STANDIN} tagged {BASE_IMAGE}")
