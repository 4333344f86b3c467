"""Django in this process, once per session, on its own database (copied from the
migrated template, plus Django's own tables from ``migrate``)."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from saaskit.settings import get_settings


@pytest.fixture(scope="session")
def django_setup(pg, redis_server, keys_dir, tmp_path_factory):
    env = {
        "DJANGO_SETTINGS_MODULE": "admin_service.settings",
        "APP_ENVIRONMENT": "test",
        "APP_SECRET_KEY": "admin-test-secret",
        "APP_ALLOWED_HOSTS": "testserver",  # django.test.Client's host
        "APP_CSRF_TRUSTED_ORIGINS": "http://testserver",
        "APP_DATABASE_URL": pg.create_database("admin_tests", template="app_template"),
        "APP_REDIS_URL": redis_server.url(),
        "APP_JWT_KEYS_DIR": str(keys_dir),
        "APP_STORAGE_LOCAL_DIR": str(tmp_path_factory.mktemp("admin-storage")),
        "APP_LOG_LEVEL": "WARNING",
        "APP_LOG_JSON": "false",
    }
    # The settings are read from the environment once, here; nothing leaks to other suites.
    with mock.patch.dict(os.environ, env):
        get_settings.cache_clear()
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
    get_settings.cache_clear()
    yield


@pytest.fixture
def staff_client(django_setup):
    from django.contrib.auth.models import User  # the staff accounts: Django's own model
    from django.test import Client

    from tests.support.api import unique_username

    staff = User.objects.create_superuser(
        unique_username("staff"), "staff@example.com", "pw-123456"
    )
    client = Client()
    client.force_login(staff)
    return client
