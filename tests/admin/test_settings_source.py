"""Every ``APP_*`` value reaches a service through ``saaskit.settings.Settings``, the
Django service included: no module of a service reads one from ``os.environ`` itself,
so one class documents, validates and defaults the whole configuration."""

from __future__ import annotations

import ast
from pathlib import Path

from saaskit.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _environ_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each ``os.environ[...]``, ``os.environ.get(...)`` and
    ``os.getenv(...)`` whose name is a string constant."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr):  # os.environ[...] and calls are expressions
            continue
        key = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        elif isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in (
            "os.environ.get", "os.getenv", "os.environ.setdefault", "os.environ.pop"
        ):
            key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append((node.lineno, key.value))
    return found


def test_no_service_reads_an_app_variable_past_settings():
    reads = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sorted((ROOT / "services").rglob("*.py"))
        for line, name in _environ_reads(ast.parse(path.read_text(encoding="utf-8")))
        if name.startswith("APP_")
    ]
    assert not reads, "APP_* read outside saaskit.settings.Settings:\n" + "\n".join(reads)


def test_the_static_root_is_a_setting(monkeypatch):
    monkeypatch.setenv("APP_STATIC_ROOT", "/srv/static")
    assert Settings().static_root == Path("/srv/static")
    monkeypatch.setenv("APP_STATIC_ROOT", "")
    assert Settings().static_root is None
