"""Every dependency of the auth routes is a coroutine (or an async generator): FastAPI
runs a plain ``def`` dependency, or a class used as one (``OAuth2PasswordRequestForm``),
in its thread pool, a thread hop per request. argon2 is the one deliberate hop, taken
inside the handlers (the bounded pool of ``saaskit.security.hashing``), not by a dependency."""

from __future__ import annotations

import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from auth_service.auth.router import jwks_router, router


def _awaited(call: object) -> bool:
    """A coroutine function, an async generator function, or an instance (not a class)
    whose ``__call__`` is a coroutine function, such as an ``HTTPBearer``."""
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    return not inspect.isclass(call) and inspect.iscoroutinefunction(type(call).__call__)


def _thread_pool_dependencies(dependant: Dependant) -> list[str]:
    found: list[str] = []
    for sub in dependant.dependencies:
        found += _thread_pool_dependencies(sub)
        if sub.call is not None and not _awaited(sub.call):
            found.append(getattr(sub.call, "__qualname__", repr(sub.call)))
    return found


def test_no_auth_route_has_a_dependency_that_runs_in_the_thread_pool():
    routes = [r for r in [*router.routes, *jwks_router.routes] if isinstance(r, APIRoute)]
    assert len(routes) == 11
    offenders = {r.path: deps for r in routes if (deps := _thread_pool_dependencies(r.dependant))}
    assert offenders == {}
