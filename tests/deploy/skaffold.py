"""skaffold.yaml read as skaffold reads it, offline: a profile's JSON patches applied
to the base pipeline, the ``{{.IMAGE_REPO_x}}``/``{{.IMAGE_TAG_x}}`` templates filled
in, and each Helm release's values merged (values files, then ``setValues`` and
``setValueTemplates``), so a test renders the chart with exactly what skaffold would
give ``helm``. There is no skaffold binary for this machine; the schema of the
``skaffold/v4beta14`` API is the one skaffold publishes (k8s/schemas/)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonpatch
import yaml

from tests.deploy import chart

ROOT = chart.ROOT
SKAFFOLD = ROOT / "skaffold.yaml"
SCHEMA = ROOT / "k8s" / "schemas" / "skaffold-v4beta14.json"
SHARED_SCHEMA = ROOT.parent / "shared" / "schemas" / "skaffold-v4beta14.json"

_TEMPLATE = re.compile(r"\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}")


def load() -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(SKAFFOLD.read_text()) if d]
    assert len(docs) == 1, "skaffold.yaml holds one pipeline"
    return docs[0]


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())


def with_profiles(config: dict[str, Any], *names: str) -> dict[str, Any]:
    """The pipeline with the named profiles' patches applied in order (``-p a,b``)."""
    out = copy.deepcopy(config)
    profiles = {p["name"]: p for p in config.get("profiles", [])}
    for name in names:
        profile = profiles[name]
        out = jsonpatch.apply_patch(out, profile.get("patches", []))
        for section in ("build", "deploy", "manifests", "portForward"):
            if section in profile:
                out[section] = copy.deepcopy(profile[section])
    out.pop("profiles", None)
    return out


def template_key(image: str) -> str:
    """skaffold's template suffix of an image name: every non-alphanumeric becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9]", "_", image)


def sample_images(config: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """A distinct made-up repository and tag per artifact, as skaffold would fill them in."""
    return {a["image"]: (f"registry.test/built/{a['image']}", f"t-{i}-{a['image']}")
            for i, a in enumerate(config["build"]["artifacts"])}


def fill(text: str, images: dict[str, tuple[str, str]], env: dict[str, str]) -> str:
    fields = {}
    for image, (repo, tag) in images.items():
        fields[f"IMAGE_REPO_{template_key(image)}"] = repo
        fields[f"IMAGE_TAG_{template_key(image)}"] = tag
    fields.update(env)

    def one(match: re.Match) -> str:
        if match.group(1) not in fields:
            raise KeyError(f"skaffold would leave {match.group(0)} unresolved")
        return fields[match.group(1)]

    return _TEMPLATE.sub(one, text)


def dotted(values: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}`` (helm --set keys)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def release_values(release: dict[str, Any], images: dict[str, tuple[str, str]],
                   env: dict[str, str] | None = None) -> dict[str, Any]:
    values = chart.load_values(*(ROOT / f for f in release.get("valuesFiles", [])))
    values = chart.merge(values, dotted(release.get("setValues", {})))
    templated = {k: fill(v, images, env or {}) for k, v in release.get("setValueTemplates", {}).items()}
    return chart.merge(values, dotted(templated))


def app_release(config: dict[str, Any]) -> dict[str, Any]:
    (release,) = [r for r in config["deploy"]["helm"]["releases"] if r.get("chartPath") == "helm/saas"]
    return release


def render_app(config: dict[str, Any], env: dict[str, str] | None = None) -> chart.Rendered:
    release = app_release(config)
    values = release_values(release, sample_images(config), env)
    return chart.render(overrides=values, name=release["name"], namespace=release["namespace"])
