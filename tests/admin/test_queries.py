"""The overview loads in a fixed number of SQL statements, whatever the limits."""

from __future__ import annotations

import pytest

from tests.support.api import unique_username


@pytest.fixture
def author_with_posts(django_setup):
    from admin_service.accounts.models import User
    from admin_service.content.models import Comment, Post

    name = unique_username("ov")
    user = User.objects.create(email=f"{name}@example.com", username=name, password_hash="x")
    posts = Post.objects.bulk_create([Post(author=user, title=f"p{i}", body="") for i in range(12)])
    Comment.objects.bulk_create(
        [Comment(post=p, author=user, body=f"c{j}") for p in posts for j in range(7)]
    )
    return user


@pytest.mark.parametrize(("posts_limit", "comments_limit"), [(1, 1), (10, 5), (50, 20)])
def test_overview_statement_count_is_fixed(author_with_posts, posts_limit, comments_limit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from admin_service.content.selectors import overview

    with CaptureQueriesContext(connection) as queries:
        user = overview(
            author_with_posts.id, posts_limit=posts_limit, comments_limit=comments_limit
        )
        shown = [(p.id, [c.id for c in p.newest_comments]) for p in user.newest_posts]
    assert len(queries) == 3
    assert len(shown) == min(posts_limit, 12)
    assert all(len(comments) == min(comments_limit, 7) for _, comments in shown)
