from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "admin_service.jobs"
    label = "jobs"
