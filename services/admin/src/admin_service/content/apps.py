from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "admin_service.content"
    label = "content"
