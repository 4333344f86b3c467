"""Code per feature: source lines counted by radon, from the files the committed mapping
(``bench/src/bench/cost_features.toml``) assigns to each feature.

Invariant: every ``.py`` file of the services and of the kit is counted exactly once, for
one feature and one side, so the FastAPI and Django columns add up to the code that
exists; ``unassigned()`` and the tests keep the mapping from rotting when a module is
added. The side follows from the path, never from the mapping, so a file cannot be
counted on the wrong side by a typo. SLOC is radon's: lines of code without blank lines,
comments and docstrings; comments and docstrings are reported beside it.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from radon.raw import analyze

ROOT = Path(__file__).resolve().parents[4]
MAPPING = Path(__file__).resolve().parents[1] / "cost_features.toml"
SIDES = ("fastapi", "django", "kit", "worker")
SIDE_NAMES = {
    "fastapi": "FastAPI",
    "django": "Django (DRF)",
    "kit": "kit (shared)",
    "worker": "worker (shared)",
}
SOURCE_ROOTS = ("services", "libs/saaskit/src")
FASTAPI_DIRS = ("services/auth/", "services/resources/", "services/files/", "libs/saaskit/src/saaskit/web/")


def side(path: str) -> str:
    """Which implementation a repository-relative path belongs to."""
    if path.startswith(FASTAPI_DIRS):
        return "fastapi"
    if path.startswith("services/admin/"):
        return "django"
    if path.startswith("services/worker/"):
        return "worker"
    if path.startswith("libs/saaskit/"):
        return "kit"
    raise ValueError(f"{path} is not a source file of a service or of the kit")


def load(path: Path = MAPPING) -> dict:
    return tomllib.loads(path.read_text())


def source_files(root: Path = ROOT) -> list[str]:
    """Every ``.py`` file the services and the kit are made of, relative to ``root``."""
    found = []
    for top in SOURCE_ROOTS:
        for file in (root / top).rglob("*.py"):
            relative = file.relative_to(root)
            if ".venv" in relative.parts or "__pycache__" in relative.parts:
                continue
            found.append(relative.as_posix())
    return sorted(found)


def unassigned(mapping: dict, root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(files that exist but are not in the mapping, files in the mapping that do not exist)."""
    listed = set(mapping["files"])
    present = set(source_files(root))
    return sorted(present - listed), sorted(listed - present)


@dataclass
class Count:
    sloc: int = 0
    comments: int = 0  # comment lines and docstring lines
    files: int = 0

    def add(self, sloc: int, comments: int, files: int = 0) -> None:
        self.sloc += sloc
        self.comments += comments
        self.files += files


def _raw(source: str) -> tuple[int, int]:
    module = analyze(source)
    return module.sloc, module.comments + module.multi


def _segments(source: str, names: list[str], path: str = "") -> dict[str, str]:
    """The source of each named top-level definition, decorators included."""
    lines = source.splitlines(keepends=True)
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = node.name
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name, first = node.targets[0].id, node.lineno
        else:
            continue
        if name in names:
            found[name] = "".join(lines[first - 1 : node.end_lineno])
    missing = set(names) - set(found)
    if missing:
        raise KeyError(f"{path}: no top-level {', '.join(sorted(missing))}; update its [parts] "
                       "in bench/src/bench/cost_features.toml")
    return found


def count(mapping: dict | None = None, root: Path = ROOT) -> dict:
    """SLOC per feature per side, the files behind each cell, and the one-change count."""
    mapping = mapping or load()
    features = list(mapping["features"])
    cells = {f: {s: Count() for s in SIDES} for f in features}
    where: dict[str, dict[str, list[str]]] = {f: {s: [] for s in SIDES} for f in features}
    for path, feature in mapping["files"].items():
        source = (root / path).read_text()
        sloc, comments = _raw(source)
        s = side(path)
        parts = mapping.get("parts", {}).get(path, {})
        for other, names in parts.items():
            for segment in _segments(source, names, path).values():
                part_sloc, part_comments = _raw(segment)
                cells[other][s].add(part_sloc, part_comments)
                sloc, comments = sloc - part_sloc, comments - part_comments
            where[other][s].append(f"{path} ({', '.join(names)})")
        cells[feature][s].add(sloc, comments, files=1)
        where[feature][s].append(path)
    totals = {s: Count() for s in SIDES}
    for by_side in cells.values():
        for s, c in by_side.items():
            totals[s].add(c.sloc, c.comments, c.files)
    return {
        "counter": "radon raw (SLOC: lines of code, without blank lines, comments, docstrings)",
        # Source files present but not in the mapping (someone's new module): not counted.
        "unmapped": unassigned(mapping, root)[0],
        "features": {
            f: {"name": mapping["features"][f], **{s: vars(cells[f][s]) for s in SIDES}}
            for f in features
        },
        "totals": {s: vars(c) for s, c in totals.items()},
        "files": where,
        "change": change_files(mapping),
        "contract": contract_code(mapping, root),
    }


def contract_code(mapping: dict, root: Path = ROOT) -> dict:
    """The Django files the mapping's ``[contract]`` names, with their SLOC (see there)."""
    files = []
    for path, reason in mapping.get("contract", {}).items():
        if side(path) != "django":
            raise ValueError(f"[contract] lists {path}, which is not Django's")
        sloc, _ = _raw((root / path).read_text())
        files.append({"path": path, "reason": reason, "sloc": sloc})
    return {"files": files, "sloc": sum(f["sloc"] for f in files)}


def change_files(mapping: dict) -> dict:
    change = mapping["change"]
    by_side: dict[str, list[dict]] = {s: [] for s in SIDES}
    for path, reason in change["files"].items():
        by_side[side(path)].append({"path": path, "reason": reason})
    new = change.get("new_files", {})
    return {
        "description": change["description"],
        "edited": by_side,
        "new": new,
        "count": {s: len(by_side[s]) + (1 if s in new else 0) for s in SIDES},
    }
