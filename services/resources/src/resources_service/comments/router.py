"""HTTP routes for comments: under a post, and ``DELETE /comments/{id}``."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from resources_service.comments import service
from resources_service.comments.schemas import CommentIn
from resources_service.errors import PROBLEM_RESPONSES_WITH_ID
from resources_service.params import Id, Paging
from resources_service.schemas import Comment, Page
from saaskit.problems import not_found
from saaskit.web.auth import CurrentUserId, WriterId
from saaskit.web.deps import ConnDep
from saaskit.web.responses import JSONBytes

router = APIRouter(tags=["comments"], responses=PROBLEM_RESPONSES_WITH_ID)


@router.get("/posts/{id}/comments", response_model=Page[Comment], summary="A post's comments")
async def list_comments(id: Id, conn: ConnDep, _caller: CurrentUserId, paging: Paging) -> JSONBytes:
    page = await service.list_comments(conn, id, paging)
    if page is None:
        raise not_found("post")
    return JSONBytes(page)


@router.post(
    "/posts/{id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=Comment,
    summary="Comment on a post",
)
async def create_comment(
    id: Id, data: CommentIn, conn: ConnDep, caller: WriterId
) -> JSONBytes:
    comment = await service.create_comment(conn, id, caller, data)
    if comment is None:
        raise not_found("post")
    return JSONBytes(comment, status_code=201)


@router.delete(
    "/comments/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a comment (its author, or the post's author)",
)
async def delete_comment(id: Id, conn: ConnDep, caller: WriterId) -> Response:
    if not await service.delete_comment(conn, id, caller):
        raise not_found("comment")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
