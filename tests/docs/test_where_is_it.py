"""The README's "Where is it" table names real files: every backticked path in its
FastAPI, Django and shared columns exists, so the table cannot drift from the tree.

A path is written from the repository root or from a package's source folder
(``services/<service>/src/``, ``libs/saaskit/src/``), as the README says.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = [ROOT, ROOT / "libs" / "saaskit" / "src", *sorted(ROOT.glob("services/*/src"))]
HEADING = "## Where is it"


def _rows() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert HEADING in readme, f"README.md has no {HEADING!r} section"
    section = readme.split(HEADING, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header, _rule, *body = lines
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "feature", "FastAPI", "Django", "shared by both"]
    return [[c.strip() for c in line.strip("|").split("|")] for line in body]


def _paths(cell: str) -> list[str]:
    return [token for token in re.findall(r"`([^`]+)`", cell) if "/" in token]


def _exists(path: str) -> bool:
    return any((base / path).exists() for base in SOURCE_ROOTS)


def test_every_path_in_the_where_is_it_table_exists():
    rows = _rows()
    assert len(rows) >= 15
    missing = [f"{row[0]}: {path}" for row in rows for cell in row[1:] for path in _paths(cell)
               if not _exists(path)]
    assert not missing, "paths in README.md's table that do not exist:\n" + "\n".join(missing)


def test_every_feature_names_where_it_is_on_both_stacks():
    for feature, fastapi, django, _shared in _rows():
        assert _paths(django), f"{feature}: no Django path"
        assert _paths(fastapi) or fastapi.startswith("none"), f"{feature}: no FastAPI path"


def test_the_features_the_issue_asks_for_are_listed():
    features = " ".join(row[0] for row in _rows())
    for wanted in ("log in", "refresh", "password reset", "overview", "upload limit",
                   "retry policy", "admin actions", "metrics", "rate limiting", "settings"):
        assert wanted in features, wanted
