"""What each service image costs to ship: its size from podman, the part of it that is the
service (its layers on top of the Python base), and the Python distributions installed in
it, read from inside the image itself.

Invariant: the distributions are listed by the image's own interpreter
(``importlib.metadata``), so they are what runs, not what a lock file says could run.
"Direct" is what the service and the kit ask for in their ``pyproject.toml`` (the
requirements of the project's own distributions, extras' requirements left out);
everything else installed is transitive. The project's own distributions count in
neither.
"""

from __future__ import annotations

import json
import re
import tomllib

from bench.cost.code import ROOT
from saas_images.engine import BASE_IMAGE, Engine, image_name

LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps([[d.metadata['Name'], d.version, d.requires or []] "
    "for d in m.distributions()]))"
)
REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[(?P<extras>[^\]]*)\])?")
EXTRA = re.compile(r"extra\s*==\s*[\"'](?P<extra>[^\"']+)[\"']")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def first_party(service: str) -> set[str]:
    """The project's own distributions in a service's image: the service and the kit."""
    names = set()
    for pyproject in (ROOT / "services" / service / "pyproject.toml",
                      ROOT / "libs/saaskit/pyproject.toml"):
        names.add(normalise(tomllib.loads(pyproject.read_text())["project"]["name"]))
    return names


def split(installed: list[list], own: set[str]) -> dict:
    """Installed distributions as direct and transitive, per the module docstring."""
    versions = {normalise(name): version for name, version, _ in installed}
    requires = {normalise(name): reqs for name, _version, reqs in installed}
    # Extras the project asks of its own distributions (the services want saaskit[fastapi]).
    wanted_extras = {name: set() for name in own}
    for name in own:
        for requirement in requires.get(name, []):
            match = REQUIREMENT.match(requirement)
            if match and normalise(match["name"]) in own and match["extras"]:
                wanted_extras[normalise(match["name"])].update(
                    e.strip() for e in match["extras"].split(","))
    direct: set[str] = set()
    for name in own:
        for requirement in requires.get(name, []):
            extra = EXTRA.search(requirement)
            if extra and extra["extra"] not in wanted_extras[name]:
                continue
            match = REQUIREMENT.match(requirement)
            if match is None:
                raise ValueError(f"unreadable requirement: {requirement!r}")
            direct.add(normalise(match["name"]))
    direct = (direct - own) & set(versions)
    transitive = set(versions) - own - direct
    return {
        "total": len(direct) + len(transitive),
        "direct": len(direct),
        "transitive": len(transitive),
        "direct_names": sorted(f"{n}=={versions[n]}" for n in direct),
        "transitive_names": sorted(f"{n}=={versions[n]}" for n in transitive),
    }


def image(engine: Engine, service: str) -> dict:
    name = image_name(service)
    listed = engine.run(engine.podman(
        "run", "--rm", "--network", "host", "--read-only", "--cap-drop", "ALL", name,
        "python", "-c", LIST_DISTRIBUTIONS,
    ), timeout=120).stdout
    created = engine.run(engine.podman("image", "inspect", "--format", "{{.Created}}", name))
    size = engine.image_size(name)
    base = engine.image_size(BASE_IMAGE)
    return {
        "image": name,
        "created": created.stdout.decode().strip()[:19],
        "size_bytes": size,
        "base_bytes": base,
        "service_layers_bytes": size - base,
        "distributions": split(json.loads(listed), first_party(service)),
    }
