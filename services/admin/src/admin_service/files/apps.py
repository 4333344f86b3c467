from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "admin_service.files"
    label = "files"
