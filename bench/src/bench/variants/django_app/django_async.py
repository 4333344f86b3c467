"""Django async: the two reads as ``async def`` Django views (DRF has no async views) on
the async ORM, answering ``JsonResponse``s with the shipped service's bodies.

The token is checked by the shipped ``BearerAuthentication`` (local keys loaded at
start-up: the check is CPU only and never waits on the event loop); the path and query
are checked as the FastAPI reference checks them (``params``); every error goes through the
shipped exception handler, so the problems are the shipped service's. The user is
``aget``; the overview is one ``aget`` of the user with the same sliced ``Prefetch``es as
DRF idiomatic (three statements), shaped into dicts by hand.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse

from admin_service.accounts.models import User
from admin_service.api.authentication import BearerAuthentication
from admin_service.api.exceptions import exception_handler
from admin_service.content.models import Comment, Post
from bench.variants.django_app.params import overview_params, user_params
from bench.variants.django_app.routes import routes
from saaskit.problems import ProblemError, not_found, unauthorized
from saaskit.timeutil import rfc3339

NEWEST_FIRST = ("-created_at", "-id")
_bearer = BearerAuthentication()


def api(view):
    """GET only, a valid bearer token, and every error as the shipped service's problem."""

    @functools.wraps(view)
    async def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in ("GET", "HEAD"):
                raise ProblemError(405, "Method Not Allowed", headers={"Allow": "GET, HEAD"})
            # DRF's authentication class reads only the headers, which a plain Django
            # request has as well; DRF's Request type is not needed for that.
            if _bearer.authenticate(request) is None:  # pyright: ignore[reportArgumentType]
                raise unauthorized()
            return await view(request, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the handler maps or logs every error
            return exception_handler(exc, {"request": request})

    return wrapper


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "created_at": rfc3339(user.created_at)}


def _comment(comment: Comment) -> dict[str, Any]:
    return {"id": comment.id, "post_id": comment.post_id, "author_id": comment.author_id,
            "body": comment.body, "created_at": rfc3339(comment.created_at)}


def _post(post: Post) -> dict[str, Any]:
    return {"id": post.id, "author_id": post.author_id, "title": post.title, "body": post.body,
            "comment_count": post.comment_count, "created_at": rfc3339(post.created_at),
            "updated_at": rfc3339(post.updated_at),
            # Prefetch(..., to_attr=...) sets the attribute at run time; the stubs cannot know.
            "comments": [_comment(c) for c in post.newest_comments]}  # pyright: ignore[reportAttributeAccessIssue]


async def _get_user(queryset, user_id: int) -> User:
    try:
        return await queryset.aget(pk=user_id)
    except User.DoesNotExist:
        raise not_found("user") from None


@api
async def user_detail(request: HttpRequest, id: str) -> HttpResponse:
    return JsonResponse(_user(await _get_user(User.objects, user_params(id).id)))


@api
async def user_overview(request: HttpRequest, id: str) -> HttpResponse:
    params = overview_params(id, request.GET.dict())
    comments = Comment.objects.order_by(*NEWEST_FIRST)[: params.comments_limit]
    posts = (
        Post.objects.order_by(*NEWEST_FIRST)
        .prefetch_related(Prefetch("comments", comments, to_attr="newest_comments"))
    )[: params.posts_limit]
    user = await _get_user(
        User.objects.prefetch_related(Prefetch("posts", posts, to_attr="newest_posts")), params.id
    )
    posts = user.newest_posts  # pyright: ignore[reportAttributeAccessIssue] - Prefetch to_attr
    return JsonResponse({"user": _user(user), "posts": [_post(post) for post in posts]})


async def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = routes(user_detail, user_overview, healthz)
handler404 = "admin_service.api.exceptions.handler404"
handler500 = "admin_service.api.exceptions.handler500"
