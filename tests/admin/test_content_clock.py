"""Django's post update stamps ``updated_at`` with the database's ``now()``, as FastAPI's
does (and as ``created_at`` is stamped): one clock for every row, whichever host wrote it."""

from __future__ import annotations

from tests.support.api import unique_username


def test_a_post_update_takes_the_time_from_the_database(django_setup):
    from django.db import connection, transaction

    from admin_service.accounts.models import User
    from admin_service.content.models import Post
    from admin_service.content.services import update_post

    name = unique_username("clock")
    user = User.objects.create(email=f"{name}@example.com", username=name, password_hash="x")
    with transaction.atomic():
        post = Post.objects.create(author=user, title="before")
        with connection.cursor() as cursor:
            # now() is the transaction's start: 10 ms ago by the time the update runs, so
            # an update stamped from the app's clock cannot equal it.
            cursor.execute("SELECT now(), pg_sleep(0.01)")
            [(db_now, _)] = cursor.fetchall()
        updated = update_post(post.pk, author_id=user.pk, changes={"title": "after"})
        with connection.cursor() as cursor:
            cursor.execute("SELECT updated_at FROM posts WHERE id = %s", [post.pk])
            [(stored,)] = cursor.fetchall()
        transaction.set_rollback(True)
    assert updated.title == "after"
    assert updated.updated_at == stored == db_now
