"""Two users, every route with an id: somebody else's post, comment or job is a 404,
exactly like one that does not exist, and nothing changes."""

from __future__ import annotations

import pytest

from tests.resources.helpers import make_comment, make_post
from tests.support.problems import assert_problem


@pytest.fixture
def alices_things(as_alice, as_bob, redis_url):
    post = make_post(as_alice, "Alice's")
    own_comment = make_comment(as_alice, post["id"], "by alice")
    bobs_comment_elsewhere = make_comment(as_bob, make_post(as_bob)["id"], "bob on bob's")
    job = as_alice.post("/jobs", json={"type": "export_posts"}).json()
    return {"post": post, "comment": own_comment, "job": job,
            "bobs_comment": bobs_comment_elsewhere}


def test_other_users_resources_answer_404(as_alice, as_bob, alices_things):
    post, comment, job = alices_things["post"], alices_things["comment"], alices_things["job"]
    forbidden = [
        as_bob.patch(f"/posts/{post['id']}", json={"title": "Bob's now"}),
        as_bob.delete(f"/posts/{post['id']}"),
        as_bob.delete(f"/comments/{comment['id']}"),
        as_bob.get(f"/jobs/{job['id']}"),
        # ...and the other way round: alice cannot touch bob's comment on bob's post.
        as_alice.delete(f"/comments/{alices_things['bobs_comment']['id']}"),
    ]
    missing = [
        as_bob.patch("/posts/99999999", json={"title": "x"}),
        as_bob.delete("/posts/99999999"),
        as_bob.delete("/comments/99999999"),
        as_bob.get("/jobs/99999999"),
        as_alice.delete("/comments/99999999"),
    ]
    for theirs, nobodys in zip(forbidden, missing, strict=True):
        assert_problem(theirs, 404)
        assert theirs.json()["detail"] == nobodys.json()["detail"]
    assert as_alice.get(f"/posts/{post['id']}").json() == {**post, "comment_count": 1}
    assert as_alice.get(f"/jobs/{job['id']}").status_code == 200


def test_public_reads_are_open_to_every_user(as_bob, alices_things):
    post = alices_things["post"]
    assert as_bob.get(f"/posts/{post['id']}").status_code == 200
    assert as_bob.get(f"/posts/{post['id']}/comments").json()["items"][0]["body"] == "by alice"
    assert as_bob.get(f"/users/{post['author_id']}").status_code == 200
    assert as_bob.get(f"/users/{post['author_id']}/overview").status_code == 200


def test_owners_may_do_what_others_may_not(as_alice, alices_things):
    post, comment = alices_things["post"], alices_things["comment"]
    assert as_alice.patch(f"/posts/{post['id']}", json={"title": "still mine"}).status_code == 200
    assert as_alice.delete(f"/comments/{comment['id']}").status_code == 204
    assert as_alice.delete(f"/posts/{post['id']}").status_code == 204


def test_every_route_needs_a_token(resources):
    with resources.client() as anonymous:
        calls = [
            anonymous.get("/users/1"), anonymous.get("/users/1/overview"),
            anonymous.get("/posts"), anonymous.post("/posts", json={"title": "x"}),
            anonymous.get("/posts/1"), anonymous.patch("/posts/1", json={"title": "x"}),
            anonymous.delete("/posts/1"), anonymous.get("/posts/1/comments"),
            anonymous.post("/posts/1/comments", json={"body": "x"}),
            anonymous.delete("/comments/1"),
            anonymous.post("/jobs", json={"type": "export_posts"}), anonymous.get("/jobs/1"),
        ]
    for response in calls:
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
