"""Dependencies of the files routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from saaskit.storage import AsyncStorage
from sqlalchemy.ext.asyncio import AsyncEngine


def get_storage(request: Request) -> AsyncStorage:
    return request.app.state.storage


def get_engine(request: Request) -> AsyncEngine:
    return request.app.state.engine


StorageDep = Annotated[AsyncStorage, Depends(get_storage)]
# Uploads and downloads take a connection only for their SQL, not for the whole
# transfer: a slow client must not hold one of the pool's few connections.
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
