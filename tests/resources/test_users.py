"""GET /users/{id} and GET /users/{id}/overview, including its fixed statement count."""

from __future__ import annotations

from sqlalchemy import event

from tests.resources.helpers import COMMENT_KEYS, POST_KEYS, error_locs, make_comment, make_post
from tests.support.problems import assert_problem


def test_user_public_profile(as_alice, bob):
    response = as_alice.get(f"/users/{bob.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {"id": bob.id, "username": bob.username, "full_name": None,
                    "created_at": body["created_at"]}
    assert body["created_at"].endswith("Z")
    assert "email" not in response.text


def test_unknown_user_is_404_and_bad_ids_are_422(as_alice):
    assert_problem(as_alice.get("/users/999999"), 404)
    assert_problem(as_alice.get("/users/999999/overview"), 404)
    assert error_locs(as_alice.get("/users/abc")) == [["path", "id"]]
    assert error_locs(as_alice.get("/users/0")) == [["path", "id"]]
    assert error_locs(as_alice.get(f"/users/{2**63}")) == [["path", "id"]]


def test_a_token_is_required(resources, alice):
    with resources.client() as anonymous:
        for path in (f"/users/{alice.id}", f"/users/{alice.id}/overview"):
            response = anonymous.get(path)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
            garbage = anonymous.get(path, headers={"Authorization": "Bearer not.a.token"})
            assert_problem(garbage, 401)


def test_overview_has_newest_posts_with_newest_comments(as_alice, as_bob, alice):
    posts = [make_post(as_alice, f"post {i}") for i in range(4)]
    for post in posts[:3]:
        for i in range(3):
            make_comment(as_bob, post["id"], f"comment {i} on {post['id']}")
    response = as_bob.get(f"/users/{alice.id}/overview", params={"posts_limit": 3,
                                                                 "comments_limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == alice.id and "email" not in body["user"]
    got = body["posts"]
    assert [p["id"] for p in got] == [p["id"] for p in reversed(posts)][:3]
    assert got[0]["comments"] == []  # the newest post has none
    for post in got:
        assert set(post) == POST_KEYS | {"comments"}
        for comment in post["comments"]:
            assert set(comment) == COMMENT_KEYS and comment["post_id"] == post["id"]
    assert [c["body"] for c in got[1]["comments"]] == [
        f"comment 2 on {got[1]['id']}", f"comment 1 on {got[1]['id']}"]
    assert got[1]["comment_count"] == 3


def test_overview_defaults_and_limits(as_alice, alice):
    post = make_post(as_alice)
    for _ in range(7):
        make_comment(as_alice, post["id"])
    for _ in range(10):
        make_post(as_alice)
    body = as_alice.get(f"/users/{alice.id}/overview").json()
    assert len(body["posts"]) == 10  # default posts_limit
    body = as_alice.get(f"/users/{alice.id}/overview", params={"posts_limit": 50}).json()
    assert len(body["posts"]) == 11 and len(body["posts"][-1]["comments"]) == 5  # default 5
    invalid = (({"posts_limit": 51}, "posts_limit"), ({"comments_limit": 21}, "comments_limit"),
               ({"posts_limit": 0}, "posts_limit"))
    for params, loc in invalid:
        assert error_locs(as_alice.get(f"/users/{alice.id}/overview", params=params)) == [
            ["query", loc]]


def test_overview_runs_the_same_statements_whatever_the_limits(resources, as_alice, as_bob, alice):
    for _ in range(12):
        post = make_post(as_alice)
        for _ in range(3):
            make_comment(as_bob, post["id"])
    statements: list[str] = []

    # Every statement, whichever layer sends it: SQLAlchemy's cursor, or the asyncpg
    # connection underneath (its query logger, attached for as long as a request holds
    # the connection). asyncpg calls a logger with loop.call_soon, possibly after the
    # response has left; the server is one event loop, so answering the next request
    # (``settled``) means every callback queued before it has run.
    def through_sqlalchemy(conn, cursor, statement, *args):
        statements.append(statement)

    def on_driver(logged):
        statements.append(logged.query)

    def checkout(dbapi_connection, record, proxy):
        dbapi_connection.driver_connection.add_query_logger(on_driver)

    def checkin(dbapi_connection, record):
        dbapi_connection.driver_connection.remove_query_logger(on_driver)

    def settled(response):
        assert as_alice.get("/healthz").status_code == 200
        return response

    engine = resources.app.state.service.engine.sync_engine
    listeners = (("before_cursor_execute", through_sqlalchemy), ("checkout", checkout),
                 ("checkin", checkin))
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        counts = {}
        for posts_limit, comments_limit in ((1, 1), (50, 20), (10, 5)):
            statements.clear()
            response = settled(as_alice.get(f"/users/{alice.id}/overview", params={
                "posts_limit": posts_limit, "comments_limit": comments_limit}))
            assert response.status_code == 200
            assert len(response.json()["posts"]) == min(posts_limit, 12)
            counts[posts_limit] = len(statements)
        statements.clear()
        assert settled(as_alice.get("/users/999999/overview")).status_code == 404
        counts["unknown user"] = len(statements)
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
    assert counts == {1: 2, 50: 2, 10: 2, "unknown user": 1}
