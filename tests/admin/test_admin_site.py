"""The admin: every page loads for staff, and the actions do what they say."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis

from tests.support.api import unique_username


@pytest.fixture
def api_user(django_setup):
    from admin_service.accounts.models import User

    name = unique_username("adm")
    return User.objects.create(email=f"{name}@example.com", username=name, password_hash="x")


def _registered_models():
    from django.contrib import admin

    return list(admin.site._registry)


def test_admin_needs_staff(django_setup):
    from django.test import Client

    response = Client().get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_every_admin_page_loads(staff_client, api_user):
    from admin_service.content.models import Post

    post = Post.objects.create(author=api_user, title="admin post")
    assert staff_client.get("/admin/").status_code == 200
    for model in _registered_models():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for path in (base, f"{base}?q=adm", f"{base}add/"):
            assert staff_client.get(path).status_code == 200, path
    for path in (
        f"/admin/accounts/user/{api_user.pk}/change/",
        f"/admin/content/post/{post.pk}/change/",
    ):
        assert staff_client.get(path).status_code == 200, path


def _act(client, model_path: str, action: str, ids) -> None:
    response = client.post(
        model_path, {"action": action, "_selected_action": [str(i) for i in ids]}
    )
    assert response.status_code == 302, response.content[:500]


def test_deactivate_and_force_logout(staff_client, api_user):
    from admin_service.accounts import services
    from admin_service.accounts.models import RefreshToken, User

    services.start_family(api_user.id)
    _act(staff_client, "/admin/accounts/user/", "force_logout", [api_user.id])
    assert not RefreshToken.objects.filter(user=api_user, revoked_at__isnull=True).exists()
    _act(staff_client, "/admin/accounts/user/", "deactivate", [api_user.id])
    assert User.objects.get(pk=api_user.pk).is_active is False


def test_retry_puts_a_failed_job_back_on_the_queue(staff_client, api_user, redis_server):
    from admin_service.jobs.models import Job

    job = Job.objects.create(
        owner=api_user, type="export_posts", payload={}, status="failed", error="boom"
    )
    _act(staff_client, "/admin/jobs/job/", "retry", [job.id])
    job.refresh_from_db()
    assert (job.status, job.error) == ("queued", None)
    assert redis.Redis.from_url(redis_server.url()).exists(f"arq:job:job:{job.id}") == 1


def test_refresh_token_rows_show_in_the_admin(staff_client, api_user):
    from admin_service.accounts.models import RefreshToken
    from saaskit.timeutil import utcnow

    token = RefreshToken.objects.create(
        user=api_user,
        family_id=uuid.uuid4(),
        token_hash=uuid.uuid4().hex * 2,
        expires_at=utcnow() + timedelta(days=1),
    )
    assert staff_client.get(f"/admin/accounts/refreshtoken/{token.pk}/change/").status_code == 200
