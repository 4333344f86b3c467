"""Comments on the FastAPI resources service (the concurrent writers, on both stacks, are
``tests/contract/test_concurrency.py``)."""

from __future__ import annotations

from tests.resources.helpers import COMMENT_KEYS, collect_pages, error_locs, make_comment, make_post
from tests.support.problems import assert_problem


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

