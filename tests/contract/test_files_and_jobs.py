"""Contract: files and background jobs, on both stacks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import redis

from saaskit.files.downloads import download_headers
from saaskit.pagination import CURSOR_MAX_LENGTH, INVALID_CURSOR, Cursor
from tests.contract.shapes import (
    FILE,
    JOB,
    assert_invalid,
    assert_page,
    assert_problem,
    assert_shape,
)
from tests.support.api import new_account

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ONE_MIB = 1024 * 1024  # the stacks run with APP_MAX_UPLOAD_BYTES = 1 MiB


def upload(stack, account, content: bytes, name: str = "notes.txt", field: str = "file"):
    return stack.post(
        "/files",
        files={field: (name, content, "application/octet-stream")},
        headers=account.headers,
    )


def test_upload_list_get_download_delete(stack):
    owner, other = new_account(stack.auth), new_account(stack.auth)
    response = upload(stack, owner, b"hello, world\n", "../../etc/My Notes.txt")
    assert response.status_code == 201, response.text
    created = response.json()
    assert_shape(created, FILE)
    assert (created["status"], created["content_type"], created["size"]) == (
        "pending",
        "text/plain",
        13,
    )
    assert "/" not in created["filename"]
    assert response.headers["location"] == f"/files/{created['id']}"

    listed = stack.get("/files", headers=owner.headers)
    assert [f["id"] for f in assert_page(listed.json(), FILE)] == [created["id"]]
    assert stack.get(f"/files/{created['id']}", headers=owner.headers).json()["id"] == created["id"]

    download = stack.get(f"/files/{created['id']}/download", headers=owner.headers)
    assert download.status_code == 200 and download.content == b"hello, world\n"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"

    for path in (f"/files/{created['id']}", f"/files/{created['id']}/download"):
        assert_problem(stack.get(path, headers=other.headers), 404)
    assert_problem(stack.delete(f"/files/{created['id']}", headers=other.headers), 404)
    assert stack.delete(f"/files/{created['id']}", headers=owner.headers).status_code == 204
    assert_problem(stack.get(f"/files/{created['id']}", headers=owner.headers), 404)
    assert_problem(stack.get("/files/not-a-uuid", headers=owner.headers), 404)


def test_upload_type_is_decided_from_the_bytes(stack):
    owner = new_account(stack.auth)
    png = upload(stack, owner, PNG, "picture.txt")
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"
    assert_problem(upload(stack, owner, b"<html><script>alert(1)</script></html>", "a.txt"), 415)
    assert_problem(upload(stack, owner, b"MZ\x90\x00" + b"\x00" * 300, "setup.png"), 415)


def test_upload_refusals(stack):
    owner = new_account(stack.auth)
    assert_problem(upload(stack, owner, b"x" * (ONE_MIB + 1)), 413)
    assert_invalid(upload(stack, owner, b"hello", field="other"), ["body", "file"])
    assert_problem(stack.post("/files", json={"file": "x"}, headers=owner.headers), 415)
    assert_problem(stack.post("/files", files={"file": ("a", b"a")}), 401)
    assert stack.get("/files", headers=owner.headers).json()["items"] == []


def test_list_files_parameters(stack):
    owner = new_account(stack.auth)
    assert_invalid(
        stack.get("/files", params={"limit": 101}, headers=owner.headers), ["query", "limit"]
    )
    assert_invalid(
        stack.get("/files", params={"cursor": "zzz"}, headers=owner.headers), ["query", "cursor"]
    )


def test_download_headers_are_the_same_on_both_stacks(stack):
    """Every header of a streamed download is saaskit.files.downloads' on both stacks; the
    type is the stored one exactly (FastAPI used to add "; charset=utf-8" to text)."""
    owner = new_account(stack.auth)
    created = upload(stack, owner, b"hello, world\n", "R\u00e9sum\u00e9 \u00e9t\u00e9.txt").json()
    download = stack.get(f"/files/{created['id']}/download", headers=owner.headers)
    assert download.status_code == 200 and download.content == b"hello, world\n"
    expected = download_headers(filename=created["filename"], content_type="text/plain", size=13)
    assert {name: download.headers.get(name) for name in expected} == expected
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.txt" in expected["Content-Disposition"]


def test_cursor_bounds_are_the_same_on_both_stacks(stack):
    """A cursor no page could give is one 422, with the same words, on both stacks."""
    owner = new_account(stack.auth)
    moment = datetime(2026, 12, 2, tzinfo=UTC)
    refused = (
        "A" * (CURSOR_MAX_LENGTH + 1),  # too long
        Cursor(moment, 42).encode(),  # an integer id where files have UUIDs
    )
    for cursor in refused:
        body = assert_invalid(
            stack.get("/files", params={"cursor": cursor}, headers=owner.headers),
            ["query", "cursor"],
        )
        assert body["errors"][0]["msg"] == INVALID_CURSOR, (cursor, body)
    for cursor in (Cursor(moment, 0).encode(), Cursor(moment, 2**63).encode()):  # not BIGINT
        body = assert_invalid(
            stack.get("/posts", params={"cursor": cursor}, headers=owner.headers),
            ["query", "cursor"],
        )
        assert body["errors"][0]["msg"] == INVALID_CURSOR, (cursor, body)
    valid = Cursor(moment, uuid.uuid4()).encode()
    assert stack.get("/files", params={"cursor": valid}, headers=owner.headers).json() == {
        "items": [], "next_cursor": None,
    }


def test_export_job_is_queued_and_readable_by_its_owner_only(stack, redis_server):
    owner, other = new_account(stack.auth), new_account(stack.auth)
    response = stack.post("/jobs", json={"type": "export_posts"}, headers=owner.headers)
    assert response.status_code == 202, response.text
    job = response.json()
    assert_shape(job, JOB)
    assert (job["type"], job["status"], job["result"], job["error"]) == (
        "export_posts",
        "queued",
        None,
        None,
    )
    assert response.headers["location"] == f"/jobs/{job['id']}"
    queued = redis.Redis.from_url(redis_server.url()).exists(f"arq:job:job:{job['id']}")
    assert queued == 1
    assert stack.get(f"/jobs/{job['id']}", headers=owner.headers).json() == job
    assert_problem(stack.get(f"/jobs/{job['id']}", headers=other.headers), 404)


def test_bad_jobs_are_422(stack):
    owner = new_account(stack.auth)
    assert_invalid(
        stack.post("/jobs", json={"type": "welcome_email"}, headers=owner.headers), ["body", "type"]
    )
    assert_invalid(
        stack.post("/jobs", json={"type": "export_posts", "x": 1}, headers=owner.headers),
        ["body", "x"],
    )
    assert_invalid(stack.get("/jobs/abc", headers=owner.headers), ["path", "id"])
