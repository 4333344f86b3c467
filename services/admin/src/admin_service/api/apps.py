from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "admin_service.api"
    label = "api"

    def ready(self) -> None:
        from admin_service.api import lookups  # noqa: F401 - registers __ilike
