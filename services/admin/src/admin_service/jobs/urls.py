from django.urls import path

from admin_service.jobs import apis

urlpatterns = [
    path("jobs", apis.JobCreateApi.as_view()),
    path("jobs/<id>", apis.JobDetailApi.as_view()),
]
