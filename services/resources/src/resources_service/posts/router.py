"""HTTP routes under /posts (contract: "Users, posts, comments")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from resources_service.errors import NOT_FOUND, PROBLEM_RESPONSES
from resources_service.params import BIGINT_MAX, Id, Paging
from resources_service.posts import service
from resources_service.posts.schemas import PostIn, PostPatch, PreviewIn
from resources_service.schemas import LinkPreview, Page, Post
from saaskit.content.limits import SEARCH_MAX
from saaskit.content.search import search_term
from saaskit.preview import AsyncPreviewClient, parse_url
from saaskit.problems import not_found
from saaskit.web.auth import CurrentUserId, WriterId
from saaskit.web.deps import ConnDep, DatabaseDep
from saaskit.web.problem_docs import problem
from saaskit.web.responses import JSONBytes

router = APIRouter(prefix="/posts", tags=["posts"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[Post], summary="Posts, newest first")
async def list_posts(
    conn: ConnDep,
    _caller: CurrentUserId,
    paging: Paging,
    author_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=SEARCH_MAX,
            description=(
                "case-insensitive, in the title; trimmed; empty is no filter, 1-2 characters "
                "are 422 (too short for the trigram index)"
            ),
        ),
    ] = None,
) -> JSONBytes:
    return JSONBytes(await service.list_posts(conn, paging, author_id, search_term(q)))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Post, summary="Write a post")
async def create_post(data: PostIn, conn: ConnDep, caller: WriterId) -> JSONBytes:
    post = await service.create_post(conn, caller, data)
    return JSONBytes(post, status_code=201, headers={"Location": f"/posts/{post['id']}"})


@router.get("/{id}", response_model=Post, summary="A post", responses=NOT_FOUND)
async def get_post(id: Id, conn: ConnDep, _caller: CurrentUserId) -> JSONBytes:
    post = await service.get_post(conn, id)
    if post is None:
        raise not_found("post")
    return JSONBytes(post)


@router.patch("/{id}", response_model=Post, summary="Edit your post", responses=NOT_FOUND)
async def update_post(id: Id, data: PostPatch, conn: ConnDep, caller: WriterId) -> JSONBytes:
    post = await service.update_post(conn, id, caller, data)
    if post is None:
        raise not_found("post")
    return JSONBytes(post)


@router.delete(
    "/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete your post and its comments",
    responses=NOT_FOUND,
)
async def delete_post(id: Id, conn: ConnDep, caller: WriterId) -> Response:
    if not await service.delete_post(conn, id, caller):
        raise not_found("post")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


PREVIEW_PROBLEMS = {
    **NOT_FOUND,
    **problem(422, "invalid input; `url-not-allowed` (type `tag:saaskit,2026:url-not-allowed`) "
                   "for a host that is or resolves to a private, loopback, link-local, "
                   "multicast or reserved address"),
    **problem(502, "the upstream could not be reached, timed out, or redirected too often"),
}


@router.post(
    "/{id}/preview",
    response_model=LinkPreview,
    summary="Preview a link for your post: the page's title and og:description",
    description="Fetches the page (at most `APP_PREVIEW_TIMEOUT_SECONDS` in all, the first "
    "256 KiB of the body, at most 3 redirects, each checked like the URL itself). "
    "Only the post's author may ask.",
    responses=PREVIEW_PROBLEMS,
)
async def preview_link(
    id: Id, data: PreviewIn, db: DatabaseDep, caller: CurrentUserId,
    client: Annotated[AsyncPreviewClient, Depends(service.get_preview_client)],
) -> JSONBytes:
    url = parse_url(data.url)  # 422 before anything is looked up
    preview = await service.preview_link(db, client, id, caller, url)
    if preview is None:
        raise not_found("post")
    return JSONBytes(preview)
