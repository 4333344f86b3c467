"""What the chart renders, played as pods by ``podman kube play`` on this machine.

Invariant: the containers run exactly as the rendered objects say (image, command, args,
environment from the ConfigMap and the Secret, user, read-only root, volumes, resources).
Only what a cluster alone provides is translated, each in one place below:
- a Secret referenced by ``envFrom`` becomes a podman secret (podman 4.3 reads it as a
  JSON map of base64 values, the shape of a Secret's ``data``);
- a Secret *volume* becomes a host directory holding the Secret's files with the volume's
  ``defaultMode`` and the pod's ``fsGroup``, as the kubelet writes them (podman 4.3's own
  secret volumes crash);
- a Job runs as the Pod of its template, once, as the Job controller would start it;
- probes, ``preStop`` and ``terminationGracePeriodSeconds`` are the kubelet's: the test
  runs them from the host with the rendered timings (podman ignores them);
- Service DNS names: the values file points the services at 127.0.0.1 (host network);
- container ``ports`` (what a Service targets) are dropped: on the host network podman
  refuses port mappings, and each server listens on the port its environment names;
- the downward API's ``status.podIP`` and ``metadata.namespace`` (podman 4.3 refuses
  both) are the host's 127.0.0.1, where the pods listen, and the rendered namespace;
  ``metadata.name`` is the name podman gives the pod; and ``$(VAR)`` in an ``env`` value
  (podman leaves it as is) is expanded from the entries before it, as the kubelet does.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from saas_images.engine import Engine
from tests.deploy.chart import Rendered, expand_references, pod_spec


@dataclass
class Played:
    engine: Engine
    rendered: Rendered
    workdir: Path
    release: str
    manifest: Path | None = None
    secrets: list[str] = field(default_factory=list)
    migration: tuple[int, str] | None = None

    def deployment(self, service: str) -> dict[str, Any]:
        return self.rendered.get("Deployment", f"{self.release}-{service}")

    def container_name(self, service: str) -> str:
        # podman names a Deployment's pod <name>-pod-0, and its containers <pod>-<container>.
        return f"{self.release}-{service}-pod-0-{service}"

    def container(self, service: str) -> dict[str, Any]:
        return pod_spec(self.deployment(service))["containers"][0]


def podman_secret_payload(secret: dict[str, Any]) -> bytes:
    data = dict(secret.get("data") or {})
    for key, value in (secret.get("stringData") or {}).items():
        data[key] = base64.b64encode(value.encode()).decode()
    return json.dumps(data).encode()


def create_secret(played: Played, secret: dict[str, Any]) -> None:
    name = secret["metadata"]["name"]
    engine = played.engine
    engine.run(engine.podman("secret", "rm", name), check=False)
    engine.run(engine.podman("secret", "create", name, "-"), input=podman_secret_payload(secret))
    played.secrets.append(name)


def for_podman(played: Played, doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of the workload with the translations above: Secret volumes as host
    directories, no container ports."""
    doc = copy.deepcopy(doc)
    spec = pod_spec(doc)
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        container.pop("ports", None)
        container["env"] = kubelet_env(container.get("env", []), downward_api(doc))
    group = (spec.get("securityContext") or {}).get("fsGroup")
    for volume in spec.get("volumes", []):
        source = volume.pop("secret", None)
        if source is None:
            continue
        secret = played.rendered.get("Secret", source["secretName"])
        target = played.workdir / "secret-volumes" / f"{doc['metadata']['name']}-{volume['name']}"
        target.mkdir(parents=True)
        for key, value in (secret.get("data") or {}).items():
            path = target / key
            path.write_bytes(base64.b64decode(value))
            path.chmod(source.get("defaultMode", 0o644))
            if group is not None:
                os.chown(path, 0, group)
        target.chmod(0o755)
        volume["hostPath"] = {"path": str(target), "type": "Directory"}
    return doc


def downward_api(doc: dict[str, Any]) -> dict[str, str]:
    """The pod fields the chart reads, as they are for the played pod."""
    # podman names a Deployment's pod <name>-pod-0 (Played.container_name), a Pod by its name.
    name = doc["metadata"]["name"] + ("-pod-0" if doc["kind"] == "Deployment" else "")
    return {"status.podIP": "127.0.0.1", "metadata.namespace": doc["metadata"].get("namespace", "default"),
            "metadata.name": name}


def kubelet_env(env: list[dict[str, Any]], fields: dict[str, str]) -> list[dict[str, Any]]:
    """The downward API's fields as values, ``$(VAR)`` expanded."""
    defined: dict[str, str] = {}
    out = []
    for entry in env:
        path = entry.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        if path in fields:
            entry = {"name": entry["name"], "value": fields[path]}
        if "value" in entry:
            value = expand_references(str(entry["value"]), defined)
            entry = {"name": entry["name"], "value": value}
            defined[entry["name"]] = value
        out.append(entry)
    return out


def job_as_pod(job: dict[str, Any]) -> dict[str, Any]:
    template = job["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": job["metadata"]["name"], "labels": template["metadata"].get("labels", {})},
            "spec": copy.deepcopy(template["spec"])}


def play(played: Played, docs: list[dict[str, Any]], name: str) -> Path:
    manifest = played.workdir / f"{name}.yaml"
    manifest.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    engine = played.engine
    result = engine.run(engine.podman("kube", "play", "--network", "host", str(manifest)), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"podman kube play {name} failed:\n{result.stderr.decode()[-3000:]}")
    return manifest


def down(played: Played, manifest: Path) -> None:
    engine = played.engine
    engine.run(engine.podman("kube", "down", str(manifest)), check=False, timeout=120)


def wait_exit(engine: Engine, container: str, timeout: float) -> tuple[int, str]:
    """Wait for a played container to finish; its exit code and logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = engine.run(engine.podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", container),
                           check=False).stdout.decode().split()
        if state and state[0] in ("exited", "stopped"):
            logs = engine.run(engine.podman("logs", container), check=False)
            return int(state[1]), (logs.stdout + logs.stderr).decode(errors="replace")[-4000:]
        time.sleep(0.5)
    raise TimeoutError(f"{container} still running after {timeout:.0f}s")


def run_pod_to_completion(played: Played, pod: dict[str, Any], timeout: float = 240) -> tuple[int, str]:
    pod = for_podman(played, pod)
    manifest = play(played, [pod], pod["metadata"]["name"])
    try:
        container = f"{pod['metadata']['name']}-{pod['spec']['containers'][0]['name']}"
        return wait_exit(played.engine, container, timeout)
    finally:
        down(played, manifest)
