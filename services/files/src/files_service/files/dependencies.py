"""Dependencies of the files routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from saaskit.storage import AsyncStorage


async def get_storage(request: Request) -> AsyncStorage:
    return request.app.state.storage


StorageDep = Annotated[AsyncStorage, Depends(get_storage)]
