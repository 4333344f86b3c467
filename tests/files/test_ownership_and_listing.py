"""Who may reach a file (ownership, bearer token) and GET /files keyset paging, over real HTTP.

Contract ("Conventions", "Files"): a file of somebody else's answers 404 exactly as one
that does not exist; 401 carries ``WWW-Authenticate: Bearer``; lists are newest first,
ties broken by id, ``limit`` 1..100, and bad input is a 422 problem.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import httpx
import psycopg
import pytest

from saaskit.db.urls import libpq_url
from tests.files.client import download, upload
from tests.support.api import Account, new_account
from tests.support.problems import assert_problem

# Paging and authentication do not depend on where the bytes are kept: local storage only.
LOCAL_ONLY = pytest.mark.parametrize("backend", ["local"])


def call(method: str, url: str, account: Account | None = None, **kwargs) -> httpx.Response:
    headers = account.headers if account else {}
    headers = {**headers, **kwargs.pop("headers", {})}
    return httpx.request(method, url, headers=headers, timeout=30, **kwargs)


def listed(files_url: str, account: Account, **params) -> httpx.Response:
    return httpx.get(f"{files_url}/files", headers=account.headers, params=params, timeout=30)


def listed_ids(files_url: str, account: Account) -> list[str]:
    page = listed(files_url, account, limit=100)
    assert page.status_code == 200, page.text
    assert page.json()["next_cursor"] is None
    return [item["id"] for item in page.json()["items"]]


# --- ownership --------------------------------------------------------------------------


def test_another_users_file_answers_exactly_like_a_missing_one(files_url, auth_url):
    alice, bob = new_account(auth_url), new_account(auth_url)
    content = b"alice's private notes\n"
    created = upload(files_url, alice, content, "private.txt")
    assert created.status_code == 201, created.text
    file_id = created.json()["id"]
    missing_id = str(uuid.uuid4())

    for method, suffix in [("GET", ""), ("GET", "/download"), ("DELETE", "")]:
        theirs = call(method, f"{files_url}/files/{file_id}{suffix}", bob)
        nowhere = call(method, f"{files_url}/files/{missing_id}{suffix}", bob)

        route = f"{method} /files/{{id}}{suffix}"
        assert_problem(theirs, 404, route)
        assert_problem(nowhere, 404, route)
        assert theirs.content == nowhere.content, route  # nothing tells "exists" from "missing"
        assert "location" not in theirs.headers, route  # no presigned URL handed out
        assert file_id not in theirs.text and "private" not in theirs.text, route

    still_there = call("GET", f"{files_url}/files/{file_id}", alice)
    assert still_there.status_code == 200
    assert still_there.json() == created.json()
    assert download(files_url, alice, file_id).content == content


def test_each_user_lists_only_their_own_files(files_url, auth_url):
    alice, bob = new_account(auth_url), new_account(auth_url)
    alices = [upload(files_url, alice, f"alice {i}\n".encode()).json()["id"] for i in range(2)]

    assert listed_ids(files_url, bob) == []

    bobs = upload(files_url, bob, b"bob's own\n").json()["id"]

    assert listed_ids(files_url, bob) == [bobs]
    assert sorted(listed_ids(files_url, alice)) == sorted(alices)


@LOCAL_ONLY
def test_every_files_route_wants_a_bearer_token(files_url, auth_url, backend):
    alice = new_account(auth_url)
    file_id = upload(files_url, alice, b"keep me\n").json()["id"]
    routes = [
        ("POST", "/files", {"files": {"file": ("a.txt", b"hello\n", "text/plain")}}),
        ("GET", "/files", {}),
        ("GET", f"/files/{file_id}", {}),
        ("GET", f"/files/{file_id}/download", {}),
        ("DELETE", f"/files/{file_id}", {}),
    ]
    credentials = {
        "no header": {},
        "garbage token": {"Authorization": "Bearer not-a-jwt"},
        "other scheme": {"Authorization": f"Basic {alice.access_token}"},
    }

    for method, path, kwargs in routes:
        for name, headers in credentials.items():
            response = call(method, f"{files_url}{path}", headers=headers, **kwargs)

            assert_problem(response, 401, f"{method} {path}, {name}")
            assert response.headers["www-authenticate"] == "Bearer", (method, path, name)

    assert listed_ids(files_url, alice) == [file_id]  # nothing uploaded, nothing deleted
    assert download(files_url, alice, file_id).content == b"keep me\n"


# --- keyset pagination ------------------------------------------------------------------


def newest_first_key(item: dict) -> tuple[datetime, uuid.UUID]:
    return datetime.fromisoformat(item["created_at"]), uuid.UUID(item["id"])


def share_created_at(settings, ids: list[str]) -> None:
    """Give ``ids`` one and the same created_at, so that only the id can order them."""
    with psycopg.connect(libpq_url(settings.database_url)) as conn:
        conn.execute(
            "UPDATE files SET created_at = (SELECT max(created_at) FROM files WHERE id = ANY(%s))"
            " WHERE id = ANY(%s)", (ids, ids),
        )


@LOCAL_ONLY
def test_following_next_cursor_yields_every_file_once_newest_first(
    files_url, auth_url, storage_settings, backend
):
    alice, bob = new_account(auth_url), new_account(auth_url)
    uploaded = [upload(files_url, alice, f"file {i}\n".encode(), f"f{i}.txt").json()["id"]
                for i in range(7)]
    upload(files_url, bob, b"not alice's\n")
    # The four oldest share a timestamp: they fill positions 3..6, across the page 2/3 edge.
    share_created_at(storage_settings, uploaded[:4])

    pages, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = listed(files_url, alice, **params)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 5, "next_cursor never ends"

    items = [item for page in pages for item in page]
    ids = [item["id"] for item in items]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert len(ids) == len(set(ids)) == 7 and set(ids) == set(uploaded)
    assert items == sorted(items, key=newest_first_key, reverse=True)
    assert ids[:3] == uploaded[:3:-1]  # distinct timestamps: upload order, reversed
    assert len({item["created_at"] for item in items[3:]}) == 1  # the tie group, by id desc
    whole = listed(files_url, alice, limit=7).json()
    assert whole == {"items": items, "next_cursor": None}  # exactly one full page: no cursor


@LOCAL_ONLY
@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_a_limit_outside_1_to_100_is_422(files_url, auth_url, backend, limit):
    body = assert_problem(listed(files_url, new_account(auth_url), limit=limit), 422)

    assert [error["loc"] for error in body["errors"]] == [["query", "limit"]]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@LOCAL_ONLY
def test_a_garbage_cursor_is_422(files_url, auth_url, backend):
    alice = new_account(auth_url)
    upload(files_url, alice, b"one\n")
    garbage = {
        "not base64 of anything": "garbage!",
        "empty": "",
        "no separator": b64("1700000000000000"),
        "integer id, not a uuid": b64("1700000000000000:42"),
        "timestamp not a number": b64(f"yesterday:{uuid.uuid4()}"),
        "timestamp out of range": b64(f"{10**20}:{uuid.uuid4()}"),
        "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe:\xff").decode(),
        "too long": "A" * 101,
    }

    for name, cursor in garbage.items():
        body = assert_problem(listed(files_url, alice, cursor=cursor), 422, name)
        assert [error["loc"] for error in body["errors"]] == [["query", "cursor"]], name
