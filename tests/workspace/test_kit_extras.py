"""The kit's drivers and clients are extras (``saaskit[asyncpg]``, ``[psycopg]``, ``[redis]``,
``[s3]``, ``[fastapi]``), and every package that uses the kit asks for exactly the extras
of the kit modules it imports: the Django service gets no asyncpg, the auth service no
MinIO client. A kit module that imports an extra's library, directly or through another
kit module, or loads it by name (a SQLAlchemy dialect, an OpenTelemetry instrumentation
named in ``tracing.setup``), fails on import or at run time in a package that did not ask
for it; this test finds that statically, from the import statements (``ast``), so it
holds for code paths no other test happens to run.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "libs/saaskit/src"

# extra -> the top-level modules of the libraries it brings
EXTRA_LIBRARIES = {
    "asyncpg": {"asyncpg"},
    "psycopg": {"psycopg"},
    "redis": {"redis", "arq", "limits"},
    "s3": {"minio"},
    "fastapi": {"fastapi", "starlette", "fastapi_offline"},
}

# Kit modules that need a driver without importing it: SQLAlchemy loads a dialect's
# driver from the URL's name when an engine is created.
LOADED_BY_NAME = {
    "saaskit.db.engine": {"asyncpg"},  # create_async_engine(postgresql+asyncpg://)
    "saaskit.db.migrate": {"psycopg"},  # Alembic's sync engine (postgresql+psycopg://)
    "saaskit.migrations.env": {"psycopg"},
}

# saaskit.tracing.INSTRUMENTORS names -> the extra carrying that instrumentation
INSTRUMENTATION_EXTRA = {"asyncpg": "asyncpg", "psycopg": "psycopg", "redis": "redis"}

# the kit's consumers: package folder -> the folders of its code
CONSUMERS = {
    "services/admin": ["services/admin"],
    "services/auth": ["services/auth/src"],
    "services/files": ["services/files/src"],
    "services/resources": ["services/resources/src"],
    "services/worker": ["services/worker/src"],
    "tools/devstack": ["tools/devstack/src"],
    "bench": ["bench/src"],
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KIT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _kit_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in (KIT / "saaskit").rglob("*.py") if "versions" not in p.parts}


@dataclass
class _Scan:
    kit: set[str] = field(default_factory=set)  # kit modules, imported anywhere
    kit_on_import: set[str] = field(default_factory=set)  # ... at module level
    extras: set[str] = field(default_factory=set)  # extras of libraries imported anywhere
    extras_on_import: set[str] = field(default_factory=set)  # ... at module level
    instrumented: set[str] = field(default_factory=set)  # extras of the instrumentations it names


def _type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _scan(path: Path, kit: dict[str, Path]) -> _Scan:
    """What a file imports: anywhere (what its functions need) and at module level (what
    importing it runs). Imports under ``if TYPE_CHECKING`` never run and are left out; an
    instrumentation named in ``tracing.setup(..., instrument=(...))`` counts as an import
    of its extra where the call is."""
    scan = _Scan()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checked_only = {id(n) for stmt in tree.body if _type_checking(stmt) for n in ast.walk(stmt)}
    top_level = {id(n) for stmt in tree.body if not _type_checking(stmt)
                 and not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                 for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in checked_only:
            continue
        names: list[str] = []
        extras: set[str] = set()
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from saaskit import queue`` imports the module saaskit.queue
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "instrument" and isinstance(keyword.value, ast.Tuple):
                    extras |= {INSTRUMENTATION_EXTRA[e.value] for e in keyword.value.elts
                               if isinstance(e, ast.Constant) and e.value in INSTRUMENTATION_EXTRA}
            scan.instrumented |= extras
        kit_names = {n for n in names if n.split(".")[0] == "saaskit"} & kit.keys()
        top = {n.split(".")[0] for n in names}
        extras |= {extra for extra, libraries in EXTRA_LIBRARIES.items() if libraries & top}
        scan.kit |= kit_names
        scan.extras |= extras
        if id(node) in top_level:
            scan.kit_on_import |= kit_names
            scan.extras_on_import |= extras
    return scan


def _parents(name: str, kit: dict[str, Path]) -> set[str]:
    """The packages whose ``__init__`` runs before ``name`` is imported."""
    return {p for p in (name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)) if p in kit}


def _closure(start: set[str], step: Callable[[str], tuple[set[str], set[str]]]) -> set[str]:
    seen, todo, extras = set(start), list(start), set[str]()
    while todo:
        own, nxt = step(todo.pop())
        extras |= own
        todo += nxt - seen
        seen |= nxt
    return extras


def _kit_extras() -> dict[str, set[str]]:
    """Each kit module -> the extras its use needs: the libraries it imports anywhere (or
    loads by name), the same for the kit modules it imports, and what importing its parent
    packages runs (their module-level imports only: ``saaskit.storage.base`` does not
    need the MinIO client that ``saaskit.storage.build_storage`` imports when asked for S3)."""
    kit = _kit_modules()
    scans = {name: _scan(path, kit) for name, path in kit.items()}

    def on_import(name: str) -> tuple[set[str], set[str]]:
        s = scans[name]
        return s.extras_on_import | LOADED_BY_NAME.get(name, set()), s.kit_on_import | _parents(name, kit)

    def in_use(name: str) -> tuple[set[str], set[str]]:
        s = scans[name]
        parents = _parents(name, kit)
        return (s.extras | LOADED_BY_NAME.get(name, set())
                | set().union(*(_closure({p}, on_import) for p in parents))), s.kit

    return {name: _closure({name}, in_use) for name in kit}


def _consumer_needs(path: Path, kit: dict[str, Path], closed: dict[str, set[str]]) -> set[str]:
    """The extras a consumer's file needs from the kit: those of the kit modules it imports
    and of the instrumentations it names. Its own imports of fastapi or asyncpg are its
    own dependencies (test_unused_dependencies), not the kit's."""
    scan = _scan(path, kit)
    needed = set(scan.instrumented)
    for module in scan.kit:
        needed |= closed[module]
    return needed


def _declared_extras(package: str) -> set[str]:
    project = tomllib.loads((ROOT / package / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"saaskit(?:\[([\w,\s-]*)\])?", requirement.strip())
        if match:
            return {e.strip() for e in (match.group(1) or "").split(",") if e.strip()}
    raise AssertionError(f"{package} does not depend on saaskit")


def test_each_extra_is_declared_by_the_kit_and_named_here():
    project = tomllib.loads((ROOT / "libs/saaskit/pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(project["optional-dependencies"]) == set(EXTRA_LIBRARIES)
    hard = " ".join(project["dependencies"])
    for extra, libraries in EXTRA_LIBRARIES.items():
        for library in libraries - {"starlette"}:  # starlette comes with fastapi
            assert re.search(rf"\b{library.replace('_', '-')}\b", hard) is None, f"{library} is a hard dependency"
            assert any(r.startswith(library.replace("_", "-")) for r in project["optional-dependencies"][extra]), (
                f"{library} is not in saaskit[{extra}]"
            )


def test_the_drivers_are_used_only_where_expected():
    # The modules behind each extra, so a new import of a driver is a visible decision.
    closed = _kit_extras()
    direct = {name for name, extras in closed.items() if "asyncpg" in extras}
    assert {"saaskit.db.database", "saaskit.db.engine", "saaskit.web.errors"} <= direct
    assert "saaskit.db.schema" not in direct and "saaskit.db.overview" not in direct
    assert closed["saaskit.queue"] >= {"redis"} and closed["saaskit.ratelimit"] >= {"redis"}
    assert closed["saaskit.storage"] >= {"s3"}
    for domain in ("accounts", "content", "files"):
        for name, extras in closed.items():
            if name.startswith(f"saaskit.{domain}"):
                assert not extras & {"asyncpg", "psycopg", "s3", "fastapi"}, (name, extras)


def test_every_consumer_declares_exactly_the_extras_of_the_kit_modules_it_imports():
    kit = _kit_modules()
    closed = _kit_extras()
    wrong = []
    for package, folders in CONSUMERS.items():
        declared = _declared_extras(package)
        needed: set[str] = set()
        for folder in folders:
            for path in (ROOT / folder).rglob("*.py"):
                mine = _consumer_needs(path, kit, closed)
                if mine - declared:
                    wrong.append(f"{package}: {path.relative_to(ROOT)} needs saaskit{sorted(mine - declared)}")
                needed |= mine
        if declared - needed:
            wrong.append(f"{package}: asks for saaskit{sorted(declared - needed)} and uses none of its modules")
    assert not wrong, "\n".join(wrong)
