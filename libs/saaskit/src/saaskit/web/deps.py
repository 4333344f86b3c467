"""Request-scoped dependencies shared by the FastAPI services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from arq.connections import ArqRedis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from saaskit.settings import Settings


async def get_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A pooled connection for the request; uncommitted work is rolled back at the end."""
    async with request.app.state.engine.connect() as conn:
        yield conn


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_queue(request: Request) -> ArqRedis:
    return request.app.state.queue


ConnDep = Annotated[AsyncConnection, Depends(get_connection)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
QueueDep = Annotated[ArqRedis, Depends(get_queue)]
