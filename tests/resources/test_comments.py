"""Comments, and comment_count staying exact under concurrent writers."""

from __future__ import annotations

import asyncio

import httpx

from tests.resources.helpers import (
    COMMENT_KEYS,
    assert_problem,
    collect_pages,
    error_locs,
    make_comment,
    make_post,
)


def test_comment_lifecycle(as_alice, as_bob, bob):
    post = make_post(as_alice)
    response = as_bob.post(f"/posts/{post['id']}/comments", json={"body": "First!"})
    assert response.status_code == 201
    comment = response.json()
    assert set(comment) == COMMENT_KEYS
    assert (comment["post_id"], comment["author_id"], comment["body"]) == (post["id"], bob.id,
                                                                           "First!")
    assert as_alice.get(f"/posts/{post['id']}").json()["comment_count"] == 1
    page = as_alice.get(f"/posts/{post['id']}/comments").json()
    assert page == {"items": [comment], "next_cursor": None}
    assert as_bob.delete(f"/comments/{comment['id']}").status_code == 204
    assert as_alice.get(f"/posts/{post['id']}").json()["comment_count"] == 0
    assert_problem(as_bob.delete(f"/comments/{comment['id']}"), 404)


def test_the_posts_author_may_delete_any_comment_on_it(as_alice, as_bob):
    post = make_post(as_alice)
    comment = make_comment(as_bob, post["id"])
    assert as_alice.delete(f"/comments/{comment['id']}").status_code == 204


def test_comments_paginate_newest_first(as_alice):
    post = make_post(as_alice)
    made = [make_comment(as_alice, post["id"], f"c{i}")["id"] for i in range(7)]
    items, pages = collect_pages(as_alice, f"/posts/{post['id']}/comments", 3)
    assert [c["id"] for c in items] == list(reversed(made)) and pages == 3
    assert error_locs(as_alice.get(f"/posts/{post['id']}/comments", params={"limit": 101})) == [
        ["query", "limit"]]
    assert error_locs(as_alice.get(f"/posts/{post['id']}/comments",
                                   params={"cursor": "%%%"})) == [["query", "cursor"]]


def test_invalid_comments_are_422_and_unknown_posts_404(as_alice, db):
    post = make_post(as_alice)
    for body, loc in (({"body": ""}, ["body", "body"]), ({"body": "x" * 5001}, ["body", "body"]),
                      ({}, ["body", "body"]), ({"body": "ok", "post_id": 1}, ["body", "post_id"])):
        assert error_locs(as_alice.post(f"/posts/{post['id']}/comments", json=body)) == [loc]
    assert_problem(as_alice.post("/posts/987654/comments", json={"body": "hi"}), 404)
    assert_problem(as_alice.get("/posts/987654/comments"), 404)
    assert_problem(as_alice.delete("/comments/987654"), 404)
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
    assert as_alice.get(f"/posts/{post['id']}").json()["comment_count"] == 0


def test_comment_count_is_exact_under_concurrent_creates_and_deletes(
    resources_url, as_alice, alice, bob, db
):
    post = make_post(as_alice)
    doomed = [make_comment(as_alice, post["id"])["id"] for _ in range(20)]

    async def hammer() -> list[int]:
        limits = httpx.Limits(max_connections=40)
        async with httpx.AsyncClient(base_url=resources_url, timeout=30, limits=limits) as client:
            creates = [
                client.post(f"/posts/{post['id']}/comments", json={"body": f"c{i}"},
                            headers=(alice if i % 2 else bob).headers)
                for i in range(60)
            ]
            # Every doomed comment is deleted twice at once: only one may count.
            deletes = [client.delete(f"/comments/{cid}", headers=alice.headers)
                       for cid in doomed for _ in range(2)]
            responses = await asyncio.gather(*creates, *deletes)
        return [r.status_code for r in responses]

    statuses = asyncio.run(hammer())
    assert statuses[:60] == [201] * 60
    assert sorted(statuses[60:]) == [204] * 20 + [404] * 20
    actual = db.execute("SELECT count(*) FROM comments WHERE post_id = %s",
                        (post["id"],)).fetchone()[0]
    stored = db.execute("SELECT comment_count FROM posts WHERE id = %s",
                        (post["id"],)).fetchone()[0]
    assert actual == stored == 60
