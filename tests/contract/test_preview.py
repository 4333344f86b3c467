"""Contract: POST /posts/{id}/preview, the I/O-bound route, on both stacks, against a
local upstream (tests/support/upstream.py). The stacks run with
``APP_PREVIEW_ALLOW_PRIVATE=true`` (the upstream is on loopback) and a 1 s
``APP_PREVIEW_TIMEOUT_SECONDS`` (tests/contract/stacks.py); the address policy with
the flag off is tests/kit/test_preview_policy.py's."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.contract.shapes import assert_invalid, assert_problem, assert_shape
from tests.contract.stacks import Stack
from tests.support.api import new_account
from tests.support.upstream import DESCRIPTION, TITLE, upstream_server

PREVIEW = {"url": str, "status": int, "title": (str, type(None)),
           "description": (str, type(None)), "fetched_ms": int}
TIMEOUT = 1.0  # the contract stacks' APP_PREVIEW_TIMEOUT_SECONDS


@pytest.fixture(scope="module")
def upstream():
    with upstream_server() as server:
        yield server


def _post_of(stack: Stack, account) -> int:
    response = stack.post("/posts", json={"title": "links"}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _preview(stack: Stack, account, post_id: int, url) -> httpx.Response:
    return stack.post(f"/posts/{post_id}/preview", json={"url": url}, headers=account.headers)


def test_preview_reads_the_title_and_og_description(stack, upstream):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    response = _preview(stack, author, post_id, upstream.url("/page"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(body, PREVIEW)
    assert (body["url"], body["status"], body["title"], body["description"]) == (
        upstream.url("/page"), 200, TITLE, DESCRIPTION)
    assert 0 <= body["fetched_ms"] < TIMEOUT * 1000


def test_a_host_name_is_resolved_and_fetched(stack, upstream):
    """A name, not an address: the lookup runs (on Django, on the gevent worker's
    cooperative resolver under the deadline) and the vetted address is fetched."""
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    response = _preview(stack, author, post_id, f"http://localhost:{upstream.port}/page")
    assert response.status_code == 200, response.text
    assert (response.json()["url"], response.json()["title"]) == (
        f"http://localhost:{upstream.port}/page", TITLE)


def test_preview_reports_the_upstreams_status_and_reads_only_html(stack, upstream):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    missing = _preview(stack, author, post_id, upstream.url("/missing")).json()
    assert (missing["status"], missing["title"], missing["description"]) == (404, "Not here", None)
    text = _preview(stack, author, post_id, upstream.url("/text")).json()
    assert (text["status"], text["title"]) == (200, None)


def test_preview_follows_at_most_three_redirects(stack, upstream):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    followed = _preview(stack, author, post_id, upstream.url("/redirect/3"))
    assert followed.status_code == 200, followed.text
    assert (followed.json()["url"], followed.json()["title"]) == (upstream.url("/page"), TITLE)
    before = len(upstream.paths)
    assert_problem(_preview(stack, author, post_id, upstream.url("/redirect/4")), 502)
    assert len(upstream.paths) - before == 4  # the first URL and three redirects, no fifth


def test_a_redirect_to_a_url_that_is_not_http_is_502(stack, upstream):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    assert_problem(_preview(stack, author, post_id, upstream.url("/to?ftp://example.com/")), 502)


def test_only_the_posts_author_gets_a_preview(stack, upstream):
    author, other = new_account(stack.auth), new_account(stack.auth)
    post_id = _post_of(stack, author)
    before = len(upstream.paths)
    assert_problem(_preview(stack, other, post_id, upstream.url("/page")), 404)
    assert_problem(_preview(stack, author, 999_999_999, upstream.url("/page")), 404)
    assert len(upstream.paths) == before  # nothing fetched for a caller who may not
    assert_problem(stack.post(f"/posts/{post_id}/preview", json={"url": upstream.url("/page")}), 401)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "http://",
        "http:///path",
        "example.com/no-scheme",
        "javascript:alert(1)",
        "http://user:secret@example.com/",
        "http://exa mple.com/",
        "https://example.com/" + "a" * 2048,
        12,
        None,
    ],
    ids=["ftp", "no-host", "empty-host", "no-scheme", "javascript", "credentials", "space",
         "too-long", "number", "null"],
)
def test_a_bad_url_is_422(stack, url):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    assert_invalid(_preview(stack, author, post_id, url), ["body", "url"])


def test_unknown_fields_and_a_missing_url_are_422(stack):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    response = stack.post(f"/posts/{post_id}/preview", json={"url": "http://x.test/", "extra": 1},
                          headers=author.headers)
    assert_invalid(response, ["body", "extra"])
    assert_invalid(stack.post(f"/posts/{post_id}/preview", json={}, headers=author.headers),
                   ["body", "url"])


def test_an_upstream_that_does_not_answer_in_time_is_502(stack, upstream):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    for path in ("/slow", "/drip"):  # no answer; an answer that never ends
        started = time.monotonic()
        body = assert_problem(_preview(stack, author, post_id, upstream.url(path)), 502, path)
        assert "did not answer within" in body["detail"], body
        # fails fast rather than hangs: the 1 s timeout, with room for a loaded machine
        assert time.monotonic() - started < TIMEOUT + 4, path


def test_an_upstream_that_refuses_the_connection_is_502(stack):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    with socket.socket() as closed:  # a port bound, never listened on: refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        body = assert_problem(_preview(stack, author, post_id, f"http://127.0.0.1:{port}/"), 502)
    assert body["detail"] == "the upstream could not be reached"


def test_the_body_is_read_only_up_to_256_kib(stack, upstream):
    author = new_account(stack.auth)
    post_id = _post_of(stack, author)
    huge = _preview(stack, author, post_id, upstream.url("/huge")).json()
    # the title is in the first bytes, the description 300 KiB in: never read
    assert (huge["status"], huge["title"], huge["description"]) == (200, "Huge", None)
    sent = len(upstream.endless_sent)
    endless = _preview(stack, author, post_id, upstream.url("/endless"))
    assert endless.status_code == 200, endless.text  # an answer, not the timeout's 502
    assert endless.json()["title"] == "Endless"
    deadline = time.monotonic() + 5
    while len(upstream.endless_sent) == sent and time.monotonic() < deadline:
        time.sleep(0.05)  # the handler notices the hang-up at its next write
    # the client hung up after the cap: the server got far less out than it would send
    # (what it sent sits in the socket buffers, up to a few MiB on loopback)
    assert upstream.endless_sent[-1] < 16 * 1024 * 1024, upstream.endless_sent


def test_both_stacks_preview_alike(fastapi: Stack, django: Stack, upstream):
    author = new_account(fastapi.auth)
    post_id = _post_of(fastapi, author)
    for path in ("/page", "/redirect/2", "/missing", "/huge"):
        answers = [_preview(s, author, post_id, upstream.url(path)) for s in (fastapi, django)]
        assert [a.status_code for a in answers] == [200, 200], path
        bodies = [a.json() for a in answers]
        for body in bodies:
            body.pop("fetched_ms")
        assert bodies[0] == bodies[1], path
    failures = [_preview(s, author, post_id, upstream.url("/redirect/5")) for s in (fastapi, django)]
    assert failures[0].json() == failures[1].json()
