from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("admin_service.operations.urls")),
    path("", include("admin_service.accounts.urls")),
    path("", include("admin_service.content.urls")),
    path("", include("admin_service.jobs.urls")),
    path("", include("admin_service.files.urls")),
]

handler404 = "admin_service.api.exceptions.handler404"
handler500 = "admin_service.api.exceptions.handler500"
