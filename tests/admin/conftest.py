"""Django in this process, once per session, on its own database (copied from the
migrated template, plus Django's own tables from ``migrate``)."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from saaskit.settings import get_settings
from tests.support.env import service_settings, settings_env


@pytest.fixture(scope="session")
def django_setup(pg, redis_server, keys_dir, tmp_path_factory):
    env = {
        "DJANGO_SETTINGS_MODULE": "admin_service.settings",
        **settings_env(service_settings(
            secret_key="admin-test-secret",
            allowed_hosts=("testserver",),  # django.test.Client's host
            csrf_trusted_origins=("http://testserver",),
            database_url=pg.create_database("admin_tests", template="app_template"),
            redis_url=redis_server.url(),
            jwt_keys_dir=keys_dir,
            storage_local_dir=tmp_path_factory.mktemp("admin-storage"),
        )),
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
