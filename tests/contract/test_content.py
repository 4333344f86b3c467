"""Contract: users, posts, comments and the overview, on both stacks."""

from __future__ import annotations

import pytest

from tests.contract.shapes import (
    COMMENT,
    POST,
    USER_PUBLIC,
    assert_invalid,
    assert_page,
    assert_shape,
)
from tests.support.api import new_account, unique_username
from tests.support.problems import assert_problem


def make_post(stack, account, title="hello", body="world") -> dict:
    response = stack.post("/posts", json={"title": title, "body": body}, headers=account.headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/posts/{response.json()['id']}"
    return response.json()


def make_comment(stack, account, post_id, body="nice") -> dict:
    response = stack.post(
        f"/posts/{post_id}/comments", json={"body": body}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_user_profile_has_no_email(stack):
    account = new_account(stack.auth)
    response = stack.get(f"/users/{account.id}", headers=account.headers)
    assert response.status_code == 200
    assert_shape(response.json(), USER_PUBLIC)
    assert_problem(stack.get("/users/999999999", headers=account.headers), 404)


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", str(2**63)])
def test_bad_path_ids_are_422(stack, bad_id):
    account = new_account(stack.auth)
    assert_invalid(stack.get(f"/users/{bad_id}", headers=account.headers), ["path", "id"])


@pytest.mark.parametrize(
    "path", ["/users/1", "/users/1/overview", "/posts", "/posts/1", "/posts/1/comments", "/jobs/1"]
)
def test_every_resource_needs_a_token(stack, path):
    assert_problem(stack.get(path), 401)


def test_post_lifecycle(stack):
    author = new_account(stack.auth)
    post = make_post(stack, author, "first title", "first body")
    assert_shape(post, POST)
    assert (post["author_id"], post["comment_count"]) == (author.id, 0)
    fetched = stack.get(f"/posts/{post['id']}", headers=author.headers)
    assert fetched.status_code == 200 and fetched.json() == post

    patched = stack.patch(
        f"/posts/{post['id']}", json={"title": "new title"}, headers=author.headers
    )
    assert patched.status_code == 200, patched.text
    assert_shape(patched.json(), POST)
    assert (patched.json()["title"], patched.json()["body"]) == ("new title", "first body")
    assert patched.json()["updated_at"] >= post["updated_at"]

    make_comment(stack, author, post["id"])
    assert stack.delete(f"/posts/{post['id']}", headers=author.headers).status_code == 204
    assert_problem(stack.get(f"/posts/{post['id']}", headers=author.headers), 404)


def test_only_the_author_changes_a_post(stack):
    author, other = new_account(stack.auth), new_account(stack.auth)
    post = make_post(stack, author)
    assert_problem(
        stack.patch(f"/posts/{post['id']}", json={"title": "x"}, headers=other.headers), 404
    )
    assert_problem(stack.delete(f"/posts/{post['id']}", headers=other.headers), 404)
    assert stack.get(f"/posts/{post['id']}", headers=other.headers).json() == post


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": ""}, ["body", "title"]),
        ({"title": "x" * 201}, ["body", "title"]),
        ({"title": "ok", "body": "x" * 20_001}, ["body", "body"]),
        ({"title": 5}, ["body", "title"]),
        ({"title": "ok", "author_id": 1}, ["body", "author_id"]),
        ({"body": "no title"}, ["body", "title"]),
    ],
)
def test_bad_posts_are_422_and_write_nothing(stack, body, loc):
    author = new_account(stack.auth)
    assert_invalid(stack.post("/posts", json=body, headers=author.headers), loc)
    listed = stack.get("/posts", params={"author_id": author.id}, headers=author.headers)
    assert listed.json()["items"] == []


def test_bad_patches_are_422(stack):
    author = new_account(stack.auth)
    post = make_post(stack, author)
    path = f"/posts/{post['id']}"
    assert_invalid(stack.patch(path, json={"title": ""}, headers=author.headers), ["body", "title"])
    assert_invalid(
        stack.patch(path, json={"comment_count": 9}, headers=author.headers),
        ["body", "comment_count"],
    )


def test_posts_pages_newest_first_with_cursors(stack):
    author = new_account(stack.auth)
    made = [make_post(stack, author, f"page {i}") for i in range(5)]
    seen, cursor = [], None
    for _ in range(3):
        params = {"author_id": author.id, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = stack.get("/posts", params=params, headers=author.headers)
        assert response.status_code == 200, response.text
        seen += assert_page(response.json(), POST)
        cursor = response.json()["next_cursor"]
    assert cursor is None
    assert [p["id"] for p in seen] == [p["id"] for p in reversed(made)]


def test_posts_search_title_case_insensitively(stack):
    author = new_account(stack.auth)
    word = unique_username("Needle")
    hit = make_post(stack, author, f"a {word} here")
    make_post(stack, author, "nothing")
    make_post(stack, author, "100% literal_")
    response = stack.get(
        "/posts", params={"q": word.lower(), "author_id": author.id}, headers=author.headers
    )
    assert [p["id"] for p in response.json()["items"]] == [hit["id"]]
    # The search's wildcards are taken literally.
    response = stack.get(
        "/posts", params={"q": "0% l", "author_id": author.id}, headers=author.headers
    )
    assert [p["title"] for p in response.json()["items"]] == ["100% literal_"]
    response = stack.get(
        "/posts", params={"q": "al_", "author_id": author.id}, headers=author.headers
    )
    assert [p["title"] for p in response.json()["items"]] == ["100% literal_"]
    # The term is trimmed; whitespace only is no filter.
    response = stack.get(
        "/posts", params={"q": f"  {word.upper()} ", "author_id": author.id},
        headers=author.headers,
    )
    assert [p["id"] for p in response.json()["items"]] == [hit["id"]]
    response = stack.get(
        "/posts", params={"q": "   ", "author_id": author.id}, headers=author.headers
    )
    assert len(response.json()["items"]) == 3


@pytest.mark.parametrize("q", ["a", "%", "ab", " ab ", "\t_x\n"])
def test_a_search_term_under_three_characters_is_422(stack, q):
    """1-2 characters after trimming: no trigram for the index, so no search (a scan of
    every post on both stacks before: saaskit.content.search)."""
    account = new_account(stack.auth)
    response = stack.get("/posts", params={"q": q}, headers=account.headers)
    assert_invalid(response, ["query", "q"])
    assert "at least 3 characters" in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 101}, ["query", "limit"]),
        ({"limit": "many"}, ["query", "limit"]),
        ({"cursor": "!!not a cursor"}, ["query", "cursor"]),
        ({"author_id": "me"}, ["query", "author_id"]),
    ],
)
def test_bad_list_parameters_are_422(stack, params, loc):
    account = new_account(stack.auth)
    assert_invalid(stack.get("/posts", params=params, headers=account.headers), loc)


def test_comments_count_list_and_delete(stack):
    author, reader, stranger = (new_account(stack.auth) for _ in range(3))
    post = make_post(stack, author)
    first = make_comment(stack, reader, post["id"], "one")
    second = make_comment(stack, reader, post["id"], "two")
    assert_shape(first, COMMENT)
    assert stack.get(f"/posts/{post['id']}", headers=author.headers).json()["comment_count"] == 2

    page = stack.get(f"/posts/{post['id']}/comments", params={"limit": 1}, headers=stranger.headers)
    assert [c["id"] for c in assert_page(page.json(), COMMENT)] == [second["id"]]
    rest = stack.get(
        f"/posts/{post['id']}/comments",
        params={"cursor": page.json()["next_cursor"]},
        headers=stranger.headers,
    )
    assert [c["id"] for c in rest.json()["items"]] == [first["id"]]

    assert_problem(stack.delete(f"/comments/{first['id']}", headers=stranger.headers), 404)
    assert stack.delete(f"/comments/{first['id']}", headers=reader.headers).status_code == 204
    assert stack.delete(f"/comments/{second['id']}", headers=author.headers).status_code == 204
    assert stack.get(f"/posts/{post['id']}", headers=author.headers).json()["comment_count"] == 0
    assert_problem(stack.delete(f"/comments/{first['id']}", headers=reader.headers), 404)


def test_comments_on_missing_posts_and_bad_comments(stack):
    account = new_account(stack.auth)
    assert_problem(
        stack.post("/posts/999999999/comments", json={"body": "x"}, headers=account.headers), 404
    )
    post = make_post(stack, account)
    path = f"/posts/{post['id']}/comments"
    assert_invalid(stack.post(path, json={"body": ""}, headers=account.headers), ["body", "body"])
    assert_invalid(
        stack.post(path, json={"body": "x" * 5001}, headers=account.headers), ["body", "body"]
    )
    assert_invalid(
        stack.post(path, json={"body": "x", "post_id": 1}, headers=account.headers),
        ["body", "post_id"],
    )


def test_overview_nests_the_newest_posts_and_comments(stack):
    author = new_account(stack.auth)
    posts = [make_post(stack, author, f"o{i}") for i in range(3)]
    comments = [make_comment(stack, author, posts[-1]["id"], f"c{i}") for i in range(3)]
    response = stack.get(
        f"/users/{author.id}/overview",
        params={"posts_limit": 2, "comments_limit": 2},
        headers=author.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"user", "posts"}
    assert_shape(body["user"], USER_PUBLIC)
    for post in body["posts"]:
        assert_shape({k: v for k, v in post.items() if k != "comments"}, POST)
        for comment in post["comments"]:
            assert_shape(comment, COMMENT)
    assert [p["id"] for p in body["posts"]] == [posts[2]["id"], posts[1]["id"]]
    assert [c["id"] for c in body["posts"][0]["comments"]] == [comments[2]["id"], comments[1]["id"]]
    assert body["posts"][1]["comments"] == []


def test_overview_limits_and_missing_user(stack):
    account = new_account(stack.auth)
    path = f"/users/{account.id}/overview"
    assert_invalid(
        stack.get(path, params={"posts_limit": 51}, headers=account.headers),
        ["query", "posts_limit"],
    )
    assert_invalid(
        stack.get(path, params={"comments_limit": 21}, headers=account.headers),
        ["query", "comments_limit"],
    )
    assert_problem(stack.get("/users/999999999/overview", headers=account.headers), 404)


def test_unknown_routes_are_problem_404(stack):
    account = new_account(stack.auth)
    assert_problem(stack.get("/posts/1/nothing-here", headers=account.headers), 404)
