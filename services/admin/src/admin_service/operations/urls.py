from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from admin_service.operations import apis

urlpatterns = [
    path("healthz", apis.HealthzApi.as_view()),
    path("readyz", apis.ReadyzApi.as_view()),
    path("metrics", apis.metrics),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi")),
]
