"""Contract, "Conventions": bad input is never a 500, identically on both stacks.

Sizes (413 before parsing, with the server's memory measured while a 200 MB body is
refused), malformed, non-UTF-8 and deeply nested JSON (400), NUL characters (422 with
their ``loc``), forms with too many fields or parts (413), query strings (400/422),
ids past the bigint range (422), tokens of deleted or inactive users on writes and on
/auth/me (401), ``nosniff`` on every response, 405's ``Allow``, and ``/metrics`` that
does not grow with invented HTTP methods.
"""

from __future__ import annotations

import random
import socket
import string
import time
from typing import LiteralString
from urllib.parse import urlsplit

import psutil
import psycopg
import pytest

from saaskit.bad_input import MAX_FORM_PARTS, MAX_JSON_DEPTH, MAX_QUERY_BYTES
from saaskit.db.urls import libpq_url
from tests.contract.shapes import assert_invalid
from tests.support.api import PASSWORD, new_account, unique_username
from tests.support.problems import assert_problem

MIB = 1024 * 1024
# A refused body is left unread: the connection cannot carry another request (FastAPI
# answers "Connection: close"; gunicorn drains at most 64 KiB and then drops it), so
# these requests ask for the connection to close rather than go back to the pool.
CLOSE = {"Connection": "close"}


def _sql(contract_env: dict[str, str], sql: LiteralString, *params: object) -> None:
    with psycopg.connect(libpq_url(contract_env["APP_DATABASE_URL"]), autocommit=True) as conn:
        conn.execute(sql, params)


_ACCOUNTS: dict[str, object] = {}


@pytest.fixture
def account(stack):
    """One account per stack for the whole module: registering costs a request of the
    per-address budget (saaskit.ratelimit) that the rest of the suite also spends."""
    if stack.name not in _ACCOUNTS:
        _ACCOUNTS[stack.name] = new_account(stack.auth)
    return _ACCOUNTS[stack.name]


def _register_body(**extra) -> dict:
    username = unique_username("bad")
    return {"email": f"{username}@example.com", "username": username, "password": PASSWORD, **extra}


# --- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/register", "/posts", "/posts/1/comments"])
def test_json_body_over_the_limit_is_413(stack, path, account):
    body = b'{"title": "' + b"a" * (MIB + 10) + b'", "body": ""}'
    response = stack.post(
        path, content=body, headers={**account.headers, **CLOSE, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_chunked_json_body_over_the_limit_is_413(stack, account):
    """No Content-Length: the bytes are counted as they come."""

    def chunks():
        yield b'{"title": "'
        for _ in range(40):
            yield b"a" * 64 * 1024
        yield b'", "body": ""}'

    response = stack.post(
        "/posts", content=chunks(),
        headers={**account.headers, **CLOSE, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_a_body_just_under_the_limit_is_parsed(stack, account):
    body = b'{"title": "t", "body": "' + b"a" * (MIB - 100) + b'"}'
    response = stack.post(
        "/posts", content=body, headers={**account.headers, "Content-Type": "application/json"}
    )
    assert_invalid(response, ["body", "body"])  # too long for a post body: 422, not 413


def _server_processes(url: str) -> list[psutil.Process]:
    """The server listening on the URL's port, with its workers."""
    port = urlsplit(url).port
    pids = {c.pid for c in psutil.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid}
    procs = {psutil.Process(pid) for pid in pids}
    for proc in list(procs):
        procs.update(proc.children(recursive=True))
    return list(procs)


def _rss(procs: list[psutil.Process]) -> int:
    return sum(p.memory_info().rss for p in procs)


def _send_until_answered(
    url: str, path: str, headers: str, total: int, chunked: bool
) -> tuple[bytes, int]:
    """Send ``headers`` then up to ``total`` body bytes in 64 KiB pieces (chunks of the
    chunked encoding or not), stopping as soon as the server answers (or closes): the
    test never holds the body. Returns the answer and the bytes sent."""
    parts = urlsplit(url)
    piece = b" " * (64 * 1024)
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    sent = 0
    answer = b""
    deadline = time.monotonic() + 60
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{headers}\r\n".encode())
        sock.setblocking(False)
        while sent < total and time.monotonic() < deadline:
            try:
                answer += sock.recv(65536)
                break  # the server has answered
            except BlockingIOError:
                pass
            except ConnectionError:
                break
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
            except ConnectionError:
                break
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except ConnectionError:
                break
            if not data:
                break
            answer += data
    return answer, sent


@pytest.mark.slow
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_200_mb_body_is_refused_and_memory_stays_flat(stack, framing):
    total = 200 * MIB
    if framing == "chunked":
        headers = "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    else:
        headers = f"Content-Type: application/json\r\nContent-Length: {total}\r\n"
    url = stack.urls["auth"]
    procs = _server_processes(url)
    before = _rss(procs)
    answer, sent = _send_until_answered(url, "/auth/register", headers, total, framing == "chunked")
    grown = _rss(procs) - before
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer
    assert sent < 50 * MIB, sent  # refused early, not after reading it all
    assert grown < 40 * MIB, grown  # was +550 MB on FastAPI


# --- JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "t", "body": ',  # truncated
        b"{'title': 't'}",  # not JSON
        b'{"title": "\xff\xfe", "body": "x"}',  # not UTF-8
        b'{"title": "caf\xe9", "body": "x"}',  # latin-1
        b'{"title": "\\ud800", "body": "x"}',  # an unpaired surrogate
        b"[" * 5000 + b"]" * 5000,  # nested past any sane depth (was a RecursionError)
        b'{"title": ' + b'{"a": ' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 2),
    ],
    ids=["truncated", "quotes", "not-utf8", "latin1", "surrogate", "deep-5000", "deep-limit"],
)
def test_bad_json_is_400(stack, body, account):
    for path in ("/posts", "/auth/register"):
        response = stack.post(
            path, content=body, headers={**account.headers, "Content-Type": "application/json"}
        )
        assert_problem(response, 400)


def test_nul_in_json_strings_is_422_with_its_loc(stack, account):
    assert_invalid(stack.post("/auth/register", json=_register_body(full_name="a\x00b")),
                   ["body", "full_name"])
    assert_invalid(stack.post("/auth/register", json=_register_body(password="pass\x00word1")),
                   ["body", "password"])
    assert_invalid(stack.post("/posts", json={"title": "t\x00", "body": "b"}, headers=account.headers),
                   ["body", "title"])
    assert_invalid(stack.post("/posts", json={"title": "t", "body": "\x00"}, headers=account.headers),
                   ["body", "body"])
    post = stack.post("/posts", json={"title": "t", "body": "b"}, headers=account.headers).json()
    assert_invalid(stack.patch(f"/posts/{post['id']}", json={"title": "\x00"}, headers=account.headers),
                   ["body", "title"])
    assert_invalid(stack.post(f"/posts/{post['id']}/comments", json={"body": "x\x00"},
                              headers=account.headers), ["body", "body"])
    assert_invalid(stack.post("/auth/refresh", json={"refresh_token": "\x00"}), ["body", "refresh_token"])


def test_nul_in_the_login_form_is_422(stack):
    for field in ("username", "password"):
        form = {"username": "someone", "password": PASSWORD, field: "a\x00b"}
        assert_invalid(stack.post("/auth/token", data=form), ["body", field])


def test_nul_and_bad_utf8_in_query_strings(stack, account):
    assert_invalid(stack.get("/posts?q=a%00b", headers=account.headers), ["query", "q"])
    assert_invalid(stack.get("/posts?cursor=%00", headers=account.headers), ["query", "cursor"])
    assert_problem(stack.get("/posts?q=%ff%fe", headers=account.headers), 400)
    # without a token too: the query is refused before anything reads it
    assert_invalid(stack.get("/posts?q=%00"), ["query", "q"])


def test_over_long_query_strings_are_400(stack, account):
    ok = stack.get("/posts?q=" + "a" * (MAX_QUERY_BYTES - 2), headers=account.headers)
    assert_invalid(ok, ["query", "q"])  # at the limit: the handler's own max length says no
    assert_problem(stack.get("/posts?q=" + "a" * MAX_QUERY_BYTES, headers=account.headers), 400)


@pytest.mark.parametrize("author_id", ["0", "-1", str(2**63), "99999999999999999999999", "1e3"])
def test_author_ids_outside_the_bigint_range_are_422(stack, author_id, account):
    response = stack.get(f"/posts?author_id={author_id}", headers=account.headers)
    assert_invalid(response, ["query", "author_id"])


def test_the_largest_author_id_is_fine(stack, account):
    response = stack.get(f"/posts?author_id={2**63 - 1}", headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


# --- forms ------------------------------------------------------------------------------


def test_too_many_urlencoded_fields_is_413(stack):
    body = "&".join(f"f{i}=x" for i in range(10_000)) + f"&username=x&password={PASSWORD}"
    response = stack.post(
        "/auth/token", content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 413)


def _multipart(fields: int, files: int) -> tuple[bytes, str]:
    boundary = "b0undary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n'
             for i in range(fields)]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a{i}.txt"\r\n'
              f"Content-Type: text/plain\r\n\r\nx\r\n" for i in range(files)]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("fields, files", [(10_000, 0), (0, 2_000), (MAX_FORM_PARTS + 1, 0)])
def test_too_many_multipart_parts_is_413(stack, fields, files, account):
    body, content_type = _multipart(fields, files)
    for path, headers in (("/auth/token", {}), ("/files", account.headers)):
        if path == "/files" and files == 0:
            continue
        response = stack.post(path, content=body, headers={**headers, "Content-Type": content_type})
        assert_problem(response, 413)


# --- tokens of deleted or inactive users ------------------------------------------------


@pytest.mark.parametrize("fate", ["deleted", "inactive"])
def test_a_gone_users_token_is_401_on_writes(stack, contract_env, fate):
    account = new_account(stack.auth)  # its own: this test deletes or deactivates it
    post = stack.post("/posts", json={"title": "t", "body": "b"}, headers=account.headers).json()
    upload = stack.post("/files", files={"file": ("a.txt", b"hello", "text/plain")},
                        headers=account.headers)
    assert upload.status_code == 201, upload.text
    if fate == "deleted":
        _sql(contract_env, "DELETE FROM users WHERE id = %s", account.id)
    else:
        _sql(contract_env, "UPDATE users SET is_active = false WHERE id = %s", account.id)
    h = account.headers
    writes = [
        stack.post("/posts", json={"title": "t", "body": "b"}, headers=h),
        stack.patch(f"/posts/{post['id']}", json={"title": "x"}, headers=h),
        stack.post(f"/posts/{post['id']}/comments", json={"body": "c"}, headers=h),
        stack.post("/jobs", json={"type": "export_posts"}, headers=h),
        stack.post("/files", files={"file": ("b.txt", b"hi", "text/plain")}, headers=h),
        stack.delete(f"/files/{upload.json()['id']}", headers=h),
        stack.delete(f"/posts/{post['id']}", headers=h),
        stack.get("/auth/me", headers=h),
    ]
    for response in writes:
        assert_problem(response, 401)
    # Reads may honour the token until it expires (the contract): never a 500 either.
    assert stack.get("/posts", headers=h).status_code == 200


def test_a_comment_of_a_gone_user_cannot_be_deleted_by_them(stack, contract_env):
    author, commenter = new_account(stack.auth), new_account(stack.auth)
    post = stack.post("/posts", json={"title": "t", "body": "b"}, headers=author.headers).json()
    comment = stack.post(f"/posts/{post['id']}/comments", json={"body": "c"},
                         headers=commenter.headers).json()
    _sql(contract_env, "UPDATE users SET is_active = false WHERE id = %s", commenter.id)
    assert_problem(stack.delete(f"/comments/{comment['id']}", headers=commenter.headers), 401)
    assert stack.delete(f"/comments/{comment['id']}", headers=author.headers).status_code == 204


# --- headers, methods, metrics ----------------------------------------------------------


def test_every_response_says_nosniff(stack, account):
    responses = [
        stack.get("/healthz"),
        stack.get("/auth/me", headers=account.headers),
        stack.get("/posts", headers=account.headers),
        stack.get("/posts"),  # 401
        stack.get("/posts/999999999", headers=account.headers),  # 404
        stack.get("/posts/abc", headers=account.headers),  # 422
        stack.post("/posts", content=b"{", headers={**account.headers, "Content-Type": "application/json"}),
        stack.request("PUT", "/posts", headers=account.headers),  # 405
        stack.get("/files", headers=account.headers),
        stack.get("/.well-known/jwks.json"),
    ]
    for service in stack.urls.values():
        responses.append(stack.client.get(service + "/metrics"))
        responses.append(stack.client.get(service + "/nowhere"))
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", (
            response.request.method, response.request.url, response.status_code
        )


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/posts", {"GET", "POST"}),
    ("POST", "/posts/1", {"GET", "PATCH", "DELETE"}),
    ("DELETE", "/auth/me", {"GET"}),
    ("PATCH", "/files", {"GET", "POST"}),
])
def test_405_lists_every_method_of_the_path(stack, method, path, allowed, account):
    response = stack.request(method, path, headers=account.headers)
    assert_problem(response, 405)
    listed = {m.strip() for m in response.headers["allow"].split(",")}
    assert allowed <= listed and method not in listed, listed


def test_invented_methods_do_not_grow_metrics(stack):
    """Was: 1,000 random methods grew Django's /metrics from 232 KB to 3 MB."""
    metrics_url = stack.urls["resources"] + "/metrics"
    before = len(stack.client.get(metrics_url).content)
    rng = random.Random(12)
    for _ in range(1000):
        method = "".join(rng.choices(string.ascii_uppercase, k=10))
        response = stack.request(method, "/posts")
        assert response.status_code in (400, 405), response.status_code  # uvicorn: 400
        assert response.status_code != 500
    after = len(stack.client.get(metrics_url).content)
    assert after - before < 20_000, (before, after)
