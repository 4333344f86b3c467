from django.urls import path

from admin_service.files import apis

urlpatterns = [
    path("files", apis.FileListCreateApi.as_view()),
    path("files/<id>", apis.FileDetailApi.as_view()),
    path("files/<id>/download", apis.FileDownloadApi.as_view()),
]
