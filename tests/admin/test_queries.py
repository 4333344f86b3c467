"""The overview loads in a fixed number of SQL statements (two), whatever the limits."""

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
        body = overview(
            author_with_posts.id, posts_limit=posts_limit, comments_limit=comments_limit
        )
    assert len(queries) == 2
    assert body["user"]["id"] == author_with_posts.id
    assert len(body["posts"]) == min(posts_limit, 12)
    assert all(len(post["comments"]) == min(comments_limit, 7) for post in body["posts"])


def test_overview_of_an_unknown_user_is_one_statement_then_404(django_setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from admin_service.content.selectors import overview
    from saaskit.problems import ProblemError

    with CaptureQueriesContext(connection) as queries, pytest.raises(ProblemError) as raised:
        overview(2**62, posts_limit=10, comments_limit=5)
    assert len(queries) == 1
    assert raised.value.status == 404
