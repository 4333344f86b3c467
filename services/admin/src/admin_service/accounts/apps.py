from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "admin_service.accounts"
    label = "accounts"
