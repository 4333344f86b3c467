"""Contract: concurrent writers of posts and comments, on both stacks.

Both stacks lock in one documented order (docs/decisions.md): the post row, then the
post's comments (which a post delete reaches by the database's cascade). Writers of one
post then queue behind each other instead of deadlocking, ``comment_count`` stays exact, and a comment deleted twice at once is
deleted and counted once. A deadlock would surface as PostgreSQL aborting one of the
transactions, which the service answers 503 (or 500): these tests look for any status
but the contract's.
"""

from __future__ import annotations

import asyncio
from typing import LiteralString

import httpx
import psycopg

from saaskit.db.urls import libpq_url
from tests.contract.stacks import Stack
from tests.contract.test_content import make_comment, make_post
from tests.support.api import Account, new_account

# Before Django's comment delete locked the post first, 17 of 30 such rounds deadlocked
# on Django (a 503 each); 30 rounds make a regression show on every run.
RACE_ROUNDS = 30
COMMENTS_PER_ROUND = 4


def _count(contract_env: dict[str, str], sql: LiteralString, *params: object) -> int:
    with psycopg.connect(libpq_url(contract_env["APP_DATABASE_URL"]), autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


async def _at_once(stack: Stack, calls: list[tuple[str, str, Account, dict]]) -> list[int]:
    """Send every (method, path, account, kwargs) at once; the statuses in order."""
    limits = httpx.Limits(max_connections=len(calls))
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        responses = await asyncio.gather(*(
            client.request(method, stack.url(path), headers=account.headers, **kwargs)
            for method, path, account, kwargs in calls
        ))
    return [r.status_code for r in responses]


def test_comment_count_is_exact_under_concurrent_creates_and_double_deletes(stack, contract_env):
    alice, bob = new_account(stack.auth), new_account(stack.auth)
    post = make_post(stack, alice)
    doomed = [make_comment(stack, alice, post["id"])["id"] for _ in range(20)]
    creates = [("POST", f"/posts/{post['id']}/comments", alice if i % 2 else bob,
                {"json": {"body": f"c{i}"}}) for i in range(60)]
    # Every doomed comment is deleted twice at once: only one may count.
    deletes = [("DELETE", f"/comments/{cid}", alice, {}) for cid in doomed for _ in range(2)]

    statuses = asyncio.run(_at_once(stack, creates + deletes))

    assert statuses[:60] == [201] * 60
    assert sorted(statuses[60:]) == [204] * 20 + [404] * 20
    actual = _count(contract_env, "SELECT count(*) FROM comments WHERE post_id = %s", post["id"])
    stored = _count(contract_env, "SELECT comment_count FROM posts WHERE id = %s", post["id"])
    assert actual == stored == 60
    assert stack.get(f"/posts/{post['id']}", headers=alice.headers).json()["comment_count"] == 60


def test_comment_deletes_racing_the_posts_delete_neither_deadlock_nor_fail(stack, contract_env):
    """The post's delete cascades to the comments that the comment deletes are removing:
    each comment delete is 204 (it went first) or 404 (the cascade did), never 503."""
    author, commenter = new_account(stack.auth), new_account(stack.auth)
    outcomes = []
    for _ in range(RACE_ROUNDS):
        post = make_post(stack, author)
        comments = [make_comment(stack, commenter, post["id"])["id"]
                    for _ in range(COMMENTS_PER_ROUND)]
        calls = [("DELETE", f"/comments/{cid}", commenter, {}) for cid in comments]
        calls.append(("DELETE", f"/posts/{post['id']}", author, {}))
        outcomes.append(asyncio.run(_at_once(stack, calls)))

    failed = [statuses for statuses in outcomes
              if statuses[-1] != 204 or not set(statuses[:-1]) <= {204, 404}]
    assert not failed, f"{len(failed)} of {RACE_ROUNDS} rounds failed: {failed}"
    assert _count(contract_env, "SELECT count(*) FROM posts WHERE author_id = %s", author.id) == 0
    assert _count(contract_env, "SELECT count(*) FROM comments WHERE author_id = %s",
                  commenter.id) == 0
