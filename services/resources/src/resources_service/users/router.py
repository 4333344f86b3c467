"""HTTP routes under /users (contract: "Users, posts, comments")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from resources_service.errors import PROBLEM_RESPONSES_WITH_ID
from resources_service.params import Id
from resources_service.schemas import Overview, UserPublic
from resources_service.users import service
from saaskit.problems import not_found
from saaskit.web.auth import CurrentUserId
from saaskit.web.responses import JSONBytes
from saaskit.web.state import service_state

router = APIRouter(prefix="/users", tags=["users"], responses=PROBLEM_RESPONSES_WITH_ID)


@router.get("/{id}", response_model=UserPublic, summary="A user's public profile")
async def get_user(id: Id, request: Request, _caller: CurrentUserId) -> JSONBytes:
    # The benchmark's simple_get: no dependency beyond the caller (each level costs).
    user = await service.get_user(service_state(request).db, id)
    if user is None:
        raise not_found("user")
    return JSONBytes(user)


@router.get(
    "/{id}/overview",
    response_model=Overview,
    summary="A user's newest posts, each with its newest comments (two SQL statements)",
)
async def get_overview(
    id: Id,
    request: Request,
    _caller: CurrentUserId,
    posts_limit: Annotated[int, Query(ge=1, le=50)] = 10,
    comments_limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> JSONBytes:
    found = await service.overview(service_state(request).db, id, posts_limit, comments_limit)
    if found is None:
        raise not_found("user")
    return JSONBytes(found)
