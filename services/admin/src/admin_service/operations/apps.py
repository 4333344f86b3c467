from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "admin_service.operations"
    label = "operations"
