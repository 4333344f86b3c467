from django.urls import path

from admin_service.content import apis

urlpatterns = [
    path("users/<id>/overview", apis.UserOverviewApi.as_view()),
    path("posts", apis.PostListCreateApi.as_view()),
    path("posts/<id>", apis.PostDetailApi.as_view()),
    path("posts/<id>/comments", apis.PostCommentsApi.as_view()),
    path("posts/<id>/preview", apis.PostPreviewApi.as_view()),
    path("comments/<id>", apis.CommentDetailApi.as_view()),
]
