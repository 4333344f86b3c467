"""DRF idiomatic: the two reads as DRF's documentation teaches them.

``RetrieveAPIView`` + ``ModelSerializer`` for the user; for the overview a
``RetrieveAPIView`` of the user whose queryset prefetches the newest posts and, per post,
the newest comments with sliced ``Prefetch`` querysets (Django >= 4.2 limits each
parent's share with a window function), rendered by nested ``ModelSerializer``s. Three
statements per overview, model instances throughout. The shipped service's
authentication, exception handler and renderer answer its problems; the path and query
are checked as the FastAPI reference checks them (``params``).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from rest_framework import generics, serializers

from admin_service.accounts.models import User
from admin_service.content.models import Comment, Post
from admin_service.operations.apis import HealthzApi
from bench.variants.django_app.params import (
    OverviewParams,
    UserParams,
    overview_params,
    user_params,
)
from bench.variants.django_app.routes import routes
from saaskit.problems import not_found

NEWEST_FIRST = ("-created_at", "-id")


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name", "created_at"]


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "post_id", "author_id", "body", "created_at"]


class PostSerializer(serializers.ModelSerializer):
    comments = CommentSerializer(many=True, source="newest_comments")

    class Meta:
        model = Post
        fields = [
            "id", "author_id", "title", "body", "comment_count", "created_at", "updated_at",
            "comments",
        ]


class OverviewSerializer(serializers.ModelSerializer):
    user = UserSerializer(source="*")
    posts = PostSerializer(many=True, source="newest_posts")

    class Meta:
        model = User
        fields = ["user", "posts"]


class UserLookup(generics.RetrieveAPIView):
    """A user by the path's ``id``: 422 for input that is not valid, 404 "user not found"."""

    queryset = User.objects.all()
    lookup_url_kwarg = "id"

    params: UserParams

    def check_params(self) -> UserParams:
        return user_params(self.kwargs["id"])

    def get_object(self):
        self.params = self.check_params()
        self.kwargs["id"] = self.params.id
        try:
            return super().get_object()
        except Http404:
            raise not_found("user") from None


class UserDetail(UserLookup):
    serializer_class = UserSerializer


class UserOverview(UserLookup):
    serializer_class = OverviewSerializer

    params: OverviewParams

    def check_params(self) -> OverviewParams:
        return overview_params(self.kwargs["id"], self.request.query_params.dict())

    def get_queryset(self):
        # Called by get_object once the path and the query were checked.
        comments = Comment.objects.order_by(*NEWEST_FIRST)[: self.params.comments_limit]
        posts = (
            Post.objects.order_by(*NEWEST_FIRST)
            .prefetch_related(Prefetch("comments", comments, to_attr="newest_comments"))
        )[: self.params.posts_limit]
        return User.objects.prefetch_related(Prefetch("posts", posts, to_attr="newest_posts"))


urlpatterns = routes(UserDetail.as_view(), UserOverview.as_view(), HealthzApi.as_view())
handler404 = "admin_service.api.exceptions.handler404"
handler500 = "admin_service.api.exceptions.handler500"
