"""Posts: CRUD, validation, search, and keyset pagination across pages."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.resources.helpers import POST_KEYS, collect_pages, error_locs, make_comment, make_post
from tests.support.problems import assert_problem


def test_create_read_update_delete(as_alice, as_bob, alice, db):
    response = as_alice.post("/posts", json={"title": "Hello", "body": "World"})
    assert response.status_code == 201
    post = response.json()
    assert response.headers["location"] == f"/posts/{post['id']}"
    assert set(post) == POST_KEYS
    assert (post["author_id"], post["title"], post["body"], post["comment_count"]) == (
        alice.id, "Hello", "World", 0)
    assert post["created_at"].endswith("Z") and post["updated_at"] == post["created_at"]
    assert as_bob.get(f"/posts/{post['id']}").json() == post

    patched = as_alice.patch(f"/posts/{post['id']}", json={"title": "Hi"})
    assert patched.status_code == 200
    assert patched.json()["title"] == "Hi" and patched.json()["body"] == "World"
    assert patched.json()["updated_at"] > post["updated_at"]
    assert as_alice.patch(f"/posts/{post['id']}", json={"body": ""}).json()["body"] == ""
    unchanged = as_alice.patch(f"/posts/{post['id']}", json={})
    assert unchanged.status_code == 200 and unchanged.json()["title"] == "Hi"

    make_comment(as_bob, post["id"])
    deleted = as_alice.delete(f"/posts/{post['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_problem(as_alice.get(f"/posts/{post['id']}"), 404)
    assert db.execute("SELECT count(*) FROM comments WHERE post_id = %s",
                      (post["id"],)).fetchone()[0] == 0


def test_body_defaults_to_empty(as_alice):
    response = as_alice.post("/posts", json={"title": "Only a title"})
    assert response.status_code == 201 and response.json()["body"] == ""


def test_invalid_posts_are_422_and_write_nothing(as_alice, db):
    cases = [
        ({"body": "no title"}, ["body", "title"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": "x" * 201}, ["body", "title"]),
        ({"title": "ok", "body": "x" * 20_001}, ["body", "body"]),
        ({"title": "ok", "author_id": 1}, ["body", "author_id"]),
        ({"title": "ok", "comment_count": 5}, ["body", "comment_count"]),
        ({"title": 5}, ["body", "title"]),
    ]
    for body, loc in cases:
        response = as_alice.post("/posts", json=body)
        assert error_locs(response) == [loc], body
        assert "x" * 200 not in response.text  # the input is never echoed
    malformed = as_alice.post("/posts", content=b"{not json",
                              headers={"content-type": "application/json"})
    assert malformed.status_code == 400, malformed.text
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_invalid_patches_are_422_and_change_nothing(as_alice):
    post = make_post(as_alice, "Original")
    for body, loc in (({"title": None}, ["body", "title"]), ({"title": ""}, ["body", "title"]),
                      ({"title": "x" * 201}, ["body", "title"]),
                      ({"author_id": 99}, ["body", "author_id"]),
                      ({"body": "x" * 20_001}, ["body", "body"])):
        assert error_locs(as_alice.patch(f"/posts/{post['id']}", json=body)) == [loc], body
    assert as_alice.get(f"/posts/{post['id']}").json() == post


def test_list_filters_by_author_and_searches_titles(as_alice, as_bob, alice, bob):
    make_post(as_alice, "Learning FastAPI")
    make_post(as_alice, "Django tips")
    make_post(as_bob, "fastapi at scale")
    make_post(as_bob, "100% coverage_report")
    titles = lambda response: [p["title"] for p in response.json()["items"]]  # noqa: E731
    assert titles(as_alice.get("/posts")) == [
        "100% coverage_report", "fastapi at scale", "Django tips", "Learning FastAPI"]
    assert titles(as_alice.get("/posts", params={"author_id": alice.id})) == [
        "Django tips", "Learning FastAPI"]
    assert titles(as_alice.get("/posts", params={"q": "FASTapi"})) == [
        "fastapi at scale", "Learning FastAPI"]
    assert titles(as_alice.get("/posts", params={"q": "fastapi", "author_id": bob.id})) == [
        "fastapi at scale"]
    # LIKE wildcards in q are literal characters.
    assert titles(as_alice.get("/posts", params={"q": "0% c"})) == ["100% coverage_report"]
    assert titles(as_alice.get("/posts", params={"q": "e_r"})) == ["100% coverage_report"]
    assert titles(as_alice.get("/posts", params={"q": "nothing like it"})) == []
    assert error_locs(as_alice.get("/posts", params={"q": "x" * 201})) == [["query", "q"]]
    assert error_locs(as_alice.get("/posts", params={"author_id": "me"})) == [
        ["query", "author_id"]]


def test_pagination_has_no_gaps_or_duplicates_even_with_equal_timestamps(as_alice, db):
    ids = [make_post(as_alice, f"post {i}")["id"] for i in range(23)]
    # Ten posts share one created_at: the id must break the tie across page boundaries.
    same = datetime(2026, 1, 1, tzinfo=UTC)
    db.execute("UPDATE posts SET created_at = %s WHERE id = ANY(%s)", (same, ids[5:15]))
    expected = [row[0] for row in db.execute(
        "SELECT id FROM posts ORDER BY created_at DESC, id DESC").fetchall()]
    for limit in (1, 3, 7, 100):
        items, pages = collect_pages(as_alice, "/posts", limit)
        assert [p["id"] for p in items] == expected, limit
        assert pages == -(-23 // limit)  # no empty trailing page
    first = as_alice.get("/posts").json()
    assert len(first["items"]) == 20 and first["next_cursor"]  # the default limit


def test_page_parameters_are_validated(as_alice):
    make_post(as_alice)
    assert error_locs(as_alice.get("/posts", params={"limit": 101})) == [["query", "limit"]]
    assert error_locs(as_alice.get("/posts", params={"limit": 0})) == [["query", "limit"]]
    for bad in ("garbage!", "bm90OmEtY3Vyc29y", "MTIzOjA", "x" * 101):
        assert error_locs(as_alice.get("/posts", params={"cursor": bad})) == [
            ["query", "cursor"]], bad
    assert as_alice.get("/posts", params={"limit": 100}).status_code == 200


def test_unknown_posts_are_404(as_alice):
    assert_problem(as_alice.get("/posts/424242"), 404)
    assert_problem(as_alice.patch("/posts/424242", json={"title": "x"}), 404)
    assert_problem(as_alice.delete("/posts/424242"), 404)
