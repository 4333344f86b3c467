"""Posts, comments, and GET /users/{id}/overview."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from admin_service.accounts.apis import UserPublicOutput
from admin_service.api.pagination import page_body
from admin_service.api.serializers import (
    BIGINT_MAX,
    IntegerField,
    PageQuery,
    StrictCharField,
    StrictSerializer,
    TimestampField,
    parse_body,
    parse_id,
    parse_query,
    parse_together,
)
from admin_service.content import preview, selectors, services
from saaskit.content import limits as content_limits
from saaskit.content.search import search_term
from saaskit.preview import MAX_URL_LENGTH, parse_url


class PostOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    comment_count = serializers.IntegerField()
    created_at = TimestampField()
    updated_at = TimestampField()


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    post_id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    body = serializers.CharField()
    created_at = TimestampField()


class PostPage(serializers.Serializer):
    items = PostOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class CommentPage(serializers.Serializer):
    items = CommentOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class OverviewPostOutput(PostOutput):
    comments = CommentOutput(many=True)


class OverviewOutput(serializers.Serializer):
    user = UserPublicOutput()
    posts = OverviewPostOutput(many=True)


class PostListCreateApi(APIView):
    class FilterSerializer(PageQuery):
        author_id = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
        q = serializers.CharField(  # then saaskit.content.search.search_term, as on FastAPI
            required=False, allow_blank=True, max_length=content_limits.SEARCH_MAX, trim_whitespace=False
        )

    class InputSerializer(StrictSerializer):
        title = StrictCharField(min_length=1, max_length=content_limits.TITLE_MAX)
        body = StrictCharField(
            max_length=content_limits.POST_BODY_MAX, allow_blank=True, required=False, default=""
        )

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: PostPage, 422: None},
        operation_id="list_posts",
    )
    def get(self, request):
        query = parse_query(self.FilterSerializer, request)
        items, cursor = selectors.list_posts(
            limit=query["limit"],
            cursor=query.get("cursor"),
            author_id=query.get("author_id"),
            q=search_term(query.get("q")),
        )
        return Response(page_body(PostOutput.many_init(items).data, cursor))

    @extend_schema(
        request=InputSerializer, responses={201: PostOutput, 422: None}, operation_id="create_post"
    )
    def post(self, request):
        data = parse_body(self.InputSerializer, request)
        post = services.create_post(
            author_id=request.user.id, title=data["title"], body=data["body"]
        )
        return Response(
            PostOutput(post).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/posts/{post.id}"},
        )


class PostDetailApi(APIView):
    class UpdateSerializer(StrictSerializer):
        title = StrictCharField(min_length=1, max_length=content_limits.TITLE_MAX, required=False)
        body = StrictCharField(max_length=content_limits.POST_BODY_MAX, allow_blank=True, required=False)

    @extend_schema(responses={200: PostOutput, 404: None}, operation_id="get_post")
    def get(self, request, id):
        return Response(PostOutput(selectors.get_post(parse_id(id))).data)

    @extend_schema(
        request=UpdateSerializer,
        responses={200: PostOutput, 404: None, 422: None},
        operation_id="update_post",
    )
    def patch(self, request, id):
        post_id = parse_id(id)
        changes = parse_body(self.UpdateSerializer, request)
        post = services.update_post(post_id, author_id=request.user.id, changes=dict(changes))
        return Response(PostOutput(post).data)

    @extend_schema(responses={204: None, 404: None}, operation_id="delete_post")
    def delete(self, request, id):
        services.delete_post(parse_id(id), author_id=request.user.id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostCommentsApi(APIView):
    class InputSerializer(StrictSerializer):
        body = StrictCharField(min_length=1, max_length=content_limits.COMMENT_BODY_MAX)

    @extend_schema(
        parameters=[PageQuery],
        responses={200: CommentPage, 404: None, 422: None},
        operation_id="list_comments",
    )
    def get(self, request, id):
        post_id = parse_id(id)
        query = parse_query(PageQuery, request)
        items, cursor = selectors.list_comments(
            post_id, limit=query["limit"], cursor=query.get("cursor")
        )
        return Response(page_body(CommentOutput.many_init(items).data, cursor))

    @extend_schema(
        request=InputSerializer,
        responses={201: CommentOutput, 404: None, 422: None},
        operation_id="create_comment",
    )
    def post(self, request, id):
        post_id = parse_id(id)
        data = parse_body(self.InputSerializer, request)
        comment = services.create_comment(post_id, author_id=request.user.id, body=data["body"])
        return Response(CommentOutput(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailApi(APIView):
    @extend_schema(responses={204: None, 404: None}, operation_id="delete_comment")
    def delete(self, request, id):
        services.delete_comment(parse_id(id), user_id=request.user.id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LinkPreviewOutput(serializers.Serializer):
    url = serializers.CharField(help_text="the page read: the URL sent, or the last redirect's target")
    status = serializers.IntegerField(help_text="the upstream's HTTP status")
    title = serializers.CharField(allow_null=True, help_text="its <title>, whitespace collapsed")
    description = serializers.CharField(allow_null=True, help_text="its og:description")
    fetched_ms = serializers.IntegerField(help_text="milliseconds the fetch took")


class PostPreviewApi(APIView):
    """The I/O-bound route: the post's ownership in one statement, the connection handed
    back, then the upstream fetch (``saaskit.preview``, the same code as FastAPI's)."""

    class InputSerializer(StrictSerializer):
        url = StrictCharField(max_length=MAX_URL_LENGTH, help_text="http or https, at most 2048 characters")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: LinkPreviewOutput,
            404: None,
            422: OpenApiResponse(description=(
                "invalid input; `url-not-allowed` (type `tag:saaskit,2026:url-not-allowed`) "
                "for a host that is or resolves to a private, loopback, link-local, "
                "multicast or reserved address")),
            502: OpenApiResponse(
                description="the upstream could not be reached, timed out, or redirected too often"),
        },
        operation_id="preview_link",
        summary="Preview a link for your post: the page's title and og:description",
    )
    def post(self, request, id):
        post_id, data = parse_together(lambda: parse_id(id),
                                       lambda: parse_body(self.InputSerializer, request))
        url = parse_url(data["url"])  # 422 before anything is looked up
        selectors.authored_post(post_id, author_id=request.user.id)
        return Response(preview.client().fetch(url).as_dict())


class UserOverviewApi(APIView):
    class FilterSerializer(serializers.Serializer):
        posts_limit = IntegerField(min_value=1, max_value=50, default=10)
        comments_limit = IntegerField(min_value=1, max_value=20, default=5)

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: OverviewOutput, 404: None, 422: None},
        operation_id="user_overview",
    )
    def get(self, request, id):
        # Path and query checked together, every error in one 422, as FastAPI answers.
        user_id, query = parse_together(lambda: parse_id(id),
                                        lambda: parse_query(self.FilterSerializer, request))
        # The body comes ready from the selector (the same shaping as the FastAPI twin);
        # OverviewOutput documents it in the schema, as the pydantic models do there.
        return Response(
            selectors.overview(
                user_id, posts_limit=query["posts_limit"], comments_limit=query["comments_limit"]
            )
        )
