"""saaskit.web's shared glue on a bare FastAPI app: the storage-outage answer, the keyset
page parameters and the documented problem answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from saaskit.pagination import Cursor
from saaskit.storage.base import StorageUnavailable
from saaskit.web.errors import install_error_handlers
from saaskit.web.params import PageParams, Paging, UuidPaging
from saaskit.web.problem_docs import COMMON, COMMON_WITH_ID, THROTTLED

MOMENT = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/down")
    async def down() -> None:
        raise StorageUnavailable("S3 endpoint unreachable: MaxRetryError")

    @app.get("/posts")
    async def posts(paging: Paging) -> dict[str, object]:
        return {"limit": paging.limit, "cursor": paging.cursor and paging.cursor.encode()}

    @app.get("/files")
    async def files(paging: UuidPaging) -> dict[str, object]:
        return {"limit": paging.limit, "id": paging.cursor and str(paging.cursor.id)}

    return app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://kit")


async def test_a_storage_outage_is_a_503_problem_naming_the_storage():
    async with _client() as client:
        response = await client.get("/down")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "type": "about:blank", "title": "Service Unavailable", "status": 503,
        "detail": "the storage is unavailable, try again shortly",
    }
    assert "MaxRetryError" not in response.text


async def test_keyset_parameters_for_integer_and_uuid_ids():
    int_cursor = Cursor(MOMENT, 7).encode()
    file_id = uuid.uuid4()
    async with _client() as client:
        assert (await client.get("/posts")).json() == {"limit": 20, "cursor": None}
        page = await client.get("/posts", params={"limit": 5, "cursor": int_cursor})
        assert page.json() == {"limit": 5, "cursor": int_cursor}
        uuid_cursor = Cursor(MOMENT, file_id).encode()
        files = await client.get("/files", params={"cursor": uuid_cursor})
        assert files.json()["id"] == str(file_id)
        for path, params in (
            ("/posts", {"limit": 101}),
            ("/posts", {"limit": 0}),
            ("/posts", {"cursor": Cursor(MOMENT, 2**63).encode()}),
            ("/files", {"cursor": int_cursor}),
            ("/files", {"cursor": "x" * 101}),
        ):
            response = await client.get(path, params=params)
            assert response.status_code == 422, (path, params)
            [error] = response.json()["errors"]
            assert error["loc"] == ["query", next(iter(params))]


def test_a_page_is_its_limit_and_the_cursor_of_its_last_row():
    class Row:
        def __init__(self, ident: int) -> None:
            self.id, self.created_at = ident, MOMENT

    paging = PageParams(2, None)
    items, cursor = paging.page_of([Row(3), Row(2), Row(1)])
    assert [r.id for r in items] == [3, 2] and cursor == Cursor(MOMENT, 2).encode()
    last_page = [Row(1)]
    assert paging.page_of(last_page) == (last_page, None)


def test_documented_problem_answers():
    assert set(COMMON) == {401, 422, 503} and set(COMMON_WITH_ID) == {401, 404, 422, 503}
    assert set(COMMON[401]["headers"]) == {"WWW-Authenticate"}
    assert set(COMMON[503]["headers"]) == {"Retry-After"}
    assert set(THROTTLED[429]["headers"]) == {"Retry-After", "RateLimit-Policy", "RateLimit"}
    for answer in (*COMMON_WITH_ID.values(), *THROTTLED.values()):
        assert answer["content"] == {"application/problem+json": {}}
