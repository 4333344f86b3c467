from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "admin_service.api"
    label = "api"

    def ready(self) -> None:
        # Imported for their effects: the __ilike lookup, the bearer scheme's extension.
        from admin_service.api import lookups, schema  # noqa: F401
