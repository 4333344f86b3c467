"""The comparison's variants: the same two hot reads (``GET /users/{id}`` and
``GET /users/{id}/overview``) served by each framework written idiomatically and tuned,
so the report can tell the framework's cost from the tuning's.

Every variant answers those two routes exactly as the shipped services do (same status,
same JSON, same 401/404/422 problems: ``tests/bench/test_variants.py``), reads its
configuration from the same ``APP_*`` variables (``saaskit.settings.Settings``: database
URL and pool size, JWKS URL, issuer, audience) and verifies the token with the kit's
``AccessTokenVerifier``, and answers ``/healthz``. The shipped services stay in
``services/``; the variants that exist only to be measured live in this package.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    name: str  # identifier: "fastapi_idiomatic"
    label: str  # as the report prints it: "FastAPI idiomatic"
    framework: str  # "fastapi", "django" or "none" (the floor)
    description: str  # one paragraph for the report: what it is, what it does per request
    # (port, workers) -> the server's command line, run from the repository root
    argv: Callable[[int, int], list[str]]
    env: Mapping[str, str] = field(default_factory=dict)  # beyond the APP_* settings
    health_path: str = "/healthz"
    shipped: bool = False  # one of the services in services/, as deployed
    # Commands run once, with the server's environment, before the first start (Django's
    # own tables: ``python -m admin_service.manage migrate --noinput``).
    setup_commands: tuple[tuple[str, ...], ...] = ()


# Modules that define ``VARIANTS`` (a tuple of ``Variant``), in the report's order.
MODULES = (
    "bench.variants.shipped",
    "bench.variants.fastapi_idiomatic",
    "bench.variants.django_variants",
)


def registry() -> dict[str, Variant]:
    """Every variant by name. A module listed above that is missing is an error: a
    comparison that silently drops a column would mislead."""
    found: dict[str, Variant] = {}
    for module in MODULES:
        for variant in importlib.import_module(module).VARIANTS:
            if variant.name in found:
                raise ValueError(f"two variants named {variant.name!r}")
            found[variant.name] = variant
    return found
