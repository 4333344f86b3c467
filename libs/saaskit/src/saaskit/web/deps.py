"""Request-scoped dependencies shared by the FastAPI services, read from the typed
``ServiceState`` (``saaskit.web.state``).

All are ``async def``: FastAPI runs a plain ``def`` dependency on a thread pool, a
thread hop per request for what is only an attribute read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from arq.connections import ArqRedis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from saaskit.db.database import Database
from saaskit.settings import Settings
from saaskit.storage.aio import AsyncStorage
from saaskit.web.state import service_state


async def get_database(request: Request) -> Database:
    return service_state(request).db


async def get_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for the request; uncommitted work is rolled back at the end."""
    async with service_state(request).db.connect() as conn:
        yield conn


async def get_settings(request: Request) -> Settings:
    return service_state(request).settings


async def get_queue(request: Request) -> ArqRedis:
    return service_state(request).queue


async def get_storage(request: Request) -> AsyncStorage:
    return service_state(request).storage


DatabaseDep = Annotated[Database, Depends(get_database)]
ConnDep = Annotated[AsyncConnection, Depends(get_connection)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
QueueDep = Annotated[ArqRedis, Depends(get_queue)]
StorageDep = Annotated[AsyncStorage, Depends(get_storage)]
