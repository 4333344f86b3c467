"""POST /files and downloads, over real HTTP, on both storage backends."""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, LiteralString

import httpx
import psycopg
import pytest
import redis
from PIL import Image

from saaskit.db.urls import libpq_url
from saaskit.queue import JOB_KEY_PREFIX, arq_job_id
from saaskit.settings import Settings
from tests.files.client import download, upload
from tests.support.api import new_account
from tests.support.fixtures.storage import MIB, serve_files, stored_keys
from tests.support.problems import assert_problem


def rows(settings: Settings, sql: LiteralString, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(settings.database_url)) as conn:
        return conn.execute(sql, params).fetchall()


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 10 * MIB], ids=["0B", "1B", "10MiB"])
def test_upload_then_download_returns_the_same_bytes(files_url, auth_url, storage_settings, size):
    account = new_account(auth_url)
    content = (b"abcdefghij\n" * (size // 11 + 1))[:size]

    response = upload(files_url, account, content, "notes.txt", "image/png")

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/files/{body['id']}"
    assert body["size"] == size
    assert body["content_type"] == "text/plain"  # from the bytes, not the declared type
    assert body["status"] == "pending" and body["sha256"] is None
    assert body["filename"] == "notes.txt"
    assert body["created_at"].endswith("Z")
    fetched = download(files_url, account, body["id"])
    assert fetched.status_code == 200
    assert fetched.content == content
    stored = rows(storage_settings, "SELECT upload_sha256, status FROM files WHERE id = %s", body["id"])
    assert stored == [(hashlib.sha256(content).hexdigest(), "pending")]
    [(job_id, payload)] = rows(
        storage_settings, "SELECT id, payload FROM jobs WHERE type = 'process_file' AND status = 'queued'"
    )
    assert payload == {"file_id": body["id"]}
    assert redis.Redis.from_url(storage_settings.redis_url).exists(JOB_KEY_PREFIX + arq_job_id(job_id))


def test_local_download_is_an_attachment_with_nosniff(files_url, auth_url, backend):
    account = new_account(auth_url)
    created = upload(files_url, account, png_bytes(), "photo.png").json()

    response = httpx.get(f"{files_url}/files/{created['id']}/download", headers=account.headers)

    if backend == "s3":
        assert response.status_code == 307
        location = httpx.URL(response.headers["location"])
        assert int(location.params["X-Amz-Expires"]) <= 900
        assert "attachment" in location.params["response-content-disposition"]
        followed = httpx.get(location)
        assert followed.headers["content-disposition"].startswith("attachment")
        assert followed.content == png_bytes()
    else:
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith('attachment; filename="photo.png"')
        assert response.content == png_bytes()


@pytest.fixture
def small_limit_url(storage_settings, storage, auth_url):
    with serve_files(storage_settings.model_copy(update={"max_upload_bytes": 4096})) as url:
        yield url


def test_limit_is_inclusive_and_one_byte_over_is_refused_without_leftovers(
    small_limit_url, auth_url, storage_settings, storage
):
    account = new_account(auth_url)

    at_limit = upload(small_limit_url, account, b"a" * 4096)
    over = upload(small_limit_url, account, b"a" * 4097)

    assert at_limit.status_code == 201, at_limit.text
    assert_problem(over, 413)
    assert rows(storage_settings, "SELECT count(*) FROM files") == [(1,)]
    assert rows(storage_settings, "SELECT count(*) FROM jobs") == [(2,)]  # welcome + 1 upload
    assert len(stored_keys(storage)) == 1


def test_a_body_declared_too_large_is_refused_before_it_is_read(small_limit_url, auth_url, storage):
    account = new_account(auth_url)

    response = upload(small_limit_url, account, os.urandom(8 * MIB))

    assert response.status_code == 413
    assert stored_keys(storage) == set()


def test_a_chunked_body_is_cut_off_once_over_the_limit(small_limit_url, auth_url, storage):
    account = new_account(auth_url)
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()

    def body():  # no Content-Length: only the streaming check can stop it
        yield head
        for _ in range(64):
            yield b"x" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{small_limit_url}/files", content=body(),
        headers={**account.headers, "content-type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 413
    assert stored_keys(storage) == set()


def test_html_declared_as_png_is_refused(files_url, auth_url, storage_settings, storage):
    account = new_account(auth_url)
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"

    response = upload(files_url, account, html, "cat.png", "image/png")

    assert response.status_code == 415
    assert response.json()["detail"] == "files of type text/html are not accepted"
    assert rows(storage_settings, "SELECT count(*) FROM files") == [(0,)]
    assert stored_keys(storage) == set()


@pytest.mark.parametrize("content", [b"\x7fELF\x02\x01\x01" + bytes(600), b"<svg onload=alert(1)>"],
                         ids=["elf", "svg"])
def test_types_outside_the_allow_list_are_refused(files_url, auth_url, content):
    response = upload(files_url, new_account(auth_url), content, "x.txt", "text/plain")

    assert response.status_code == 415


def test_a_real_png_is_typed_from_its_bytes(files_url, auth_url):
    response = upload(files_url, new_account(auth_url), png_bytes(), "x.txt", "text/plain")

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.txt", "evil.txt"),
        ("résumé 日本語 ✓.txt", "résumé 日本語 ✓.txt"),
        ("a\u202egnp.txt", "agnp.txt"),
        ("..", "file"),
    ],
)
def test_filenames_are_sanitised_for_display(files_url, auth_url, backend, sent, shown):
    account = new_account(auth_url)

    created = upload(files_url, account, b"hello", sent)

    assert created.status_code == 201
    assert created.json()["filename"] == shown
    if backend == "local":
        fetched = httpx.get(f"{files_url}/files/{created.json()['id']}/download", headers=account.headers)
        assert "/" not in fetched.headers["content-disposition"].split(";")[1]
        assert httpx.URL("/?n=" + fetched.headers["content-disposition"].split("''")[1]).params["n"] == shown


def test_a_missing_file_part_is_422_and_a_non_multipart_body_is_415(files_url, auth_url):
    account = new_account(auth_url)

    missing = upload(files_url, account, b"hello", field="document")
    not_multipart = httpx.post(f"{files_url}/files", headers=account.headers, json={"file": "x"})

    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"loc": ["body", "file"], "msg": "a part named 'file' is required"}]
    assert not_multipart.status_code == 415


def test_concurrent_uploads_are_all_stored_intact(files_url, auth_url):
    account = new_account(auth_url)
    contents = [bytes([65 + i]) * (MIB + i) for i in range(8)]

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda c: upload(files_url, account, c), contents))

    assert [r.status_code for r in responses] == [201] * 8
    for content, response in zip(contents, responses, strict=True):
        assert download(files_url, account, response.json()["id"]).content == content
