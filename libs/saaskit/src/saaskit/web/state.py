"""What a FastAPI service holds while it runs, as one typed object on ``app.state``.

Invariant: the app factory's lifespan builds exactly one ``ServiceState`` and puts it on
``app.state.service`` before the first request; everything shared (dependencies, health
checks, the authenticator) reads it through ``service_state``, so a name typed wrong is
a type error, not an ``AttributeError`` at the first request. A service's own objects
(the auth service's key set, say) go on a state object of its own beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from saaskit.db.database import Database
from saaskit.settings import Settings
from saaskit.storage.aio import AsyncStorage

if TYPE_CHECKING:  # saaskit.web.auth reads this state: imported for the annotation only
    from saaskit.web.auth import Authenticator


class StorageNotConfigured(RuntimeError):
    """A route asked for object storage in a service built without it."""


@dataclass(eq=False)
class ServiceState:
    settings: Settings
    engine: AsyncEngine
    db: Database
    queue: ArqRedis
    authenticator: Authenticator
    object_storage: AsyncStorage | None = None

    @property
    def storage(self) -> AsyncStorage:
        if self.object_storage is None:
            raise StorageNotConfigured("this service was built without storage")
        return self.object_storage


def service_state(connection: HTTPConnection) -> ServiceState:
    """The running service's state, from a request (or websocket)."""
    state: ServiceState = connection.app.state.service
    return state


def app_state(app: Starlette) -> ServiceState:
    """The same, from the app (tests, start-up hooks)."""
    state: ServiceState = app.state.service
    return state
