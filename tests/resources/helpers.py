"""Small helpers for the resources tests."""

from __future__ import annotations

import httpx

from tests.support.problems import assert_problem

POST_KEYS = {"id", "author_id", "title", "body", "comment_count", "created_at", "updated_at"}
COMMENT_KEYS = {"id", "post_id", "author_id", "body", "created_at"}


def error_locs(response: httpx.Response) -> list[list]:
    return [e["loc"] for e in assert_problem(response, 422)["errors"]]


def make_post(client: httpx.Client, title: str = "A post", body: str = "text") -> dict:
    response = client.post("/posts", json={"title": title, "body": body})
    assert response.status_code == 201, response.text
    return response.json()


def make_comment(client: httpx.Client, post_id: int, body: str = "a comment") -> dict:
    response = client.post(f"/posts/{post_id}/comments", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def collect_pages(client: httpx.Client, path: str, limit: int, **params) -> tuple[list, int]:
    """Every item of a paginated list, following ``next_cursor``; and the page count."""
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 1000
