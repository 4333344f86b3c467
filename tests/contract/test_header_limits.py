"""Request heads are bounded by the same numbers on both stacks (issue 26, item 5).

gunicorn (Django) refuses a request line over ``limit_request_line`` (4094 bytes) with
414, and a header field over ``limit_request_field_size`` (8190) or more than
``limit_request_fields`` (100) fields with 431. uvicorn with httptools had no bound at
all: a 48 MiB header was read whole (RSS +46 MB). The FastAPI services run the kit's
``saaskit.web.server:HttpToolsProtocol`` (``--http``), which applies gunicorn's numbers
and answers 431/414 with a small problem+json body; gunicorn gives that body too
(``admin_service.server_errors``). Raw sockets: an HTTP client library
would refuse to send some of these heads, and the test must see the server's own answer.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from saaskit.http_limits import head_refusal_detail
from tests.contract.stacks import Stack

LIMIT_REQUEST_LINE = 4094
LIMIT_FIELD_SIZE = 8190
LIMIT_FIELDS = 100


def send_head(url: str, head: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send ``head`` (a request line and header lines, no blank line yet) on a new
    connection, then the blank line, and read the answer; (status, raw response)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        try:
            s.sendall(head + b"\r\n")
        except OSError:
            pass  # the server may answer and close before it has read everything
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data) < 12:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            # The body, if any (Content-Length of a small problem); bounded by the timeout.
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if len(data) > 1_000_000:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
    assert data.startswith(b"HTTP/1."), data[:200]
    return int(data.split(b" ", 2)[1]), data


def assert_problem(raw: bytes, status: int) -> None:
    """The refusal is the documented problem+json, the same body on both stacks (gunicorn's
    own answer was an HTML page: ``admin_service.server_errors``)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower(), head
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["detail"] == head_refusal_detail(status)


def healthz(stack: Stack) -> str:
    return stack.url("/healthz")


def request(extra_headers: bytes = b"", target: bytes = b"/healthz") -> bytes:
    return (b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + extra_headers)


def test_a_64_kib_header_is_431(stack):
    status, raw = send_head(healthz(stack), request(b"X-Big: " + b"a" * 65536 + b"\r\n"))
    assert status == 431
    assert_problem(raw, 431)


def test_a_48_mib_header_is_refused_before_it_is_read(stack):
    """The server answers once the limit is crossed; it does not wait for 48 MiB."""
    parts = urlsplit(healthz(stack))
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(request(b"X-Big: "))
        sent = 0
        refused = False
        while sent < 48 * 1024 * 1024:
            try:
                s.sendall(b"a" * 65536)
            except OSError:
                refused = True
                break
            sent += 65536
        data = b""
        try:
            data = s.recv(65536)
        except OSError:
            refused = True
    assert refused or data.startswith(b"HTTP/1.1 431"), (sent, data[:100])
    assert sent < 48 * 1024 * 1024 or data.startswith(b"HTTP/1.1 431")


def test_headers_at_the_limits_are_served(stack):
    value = b"a" * (LIMIT_FIELD_SIZE - len(b"X-Edge: ") - 10)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(LIMIT_FIELDS - 5))
    status, _ = send_head(healthz(stack), request(b"X-Edge: " + value + b"\r\n" + many))
    assert status == 200


@pytest.mark.parametrize("fields", [LIMIT_FIELDS + 50])
def test_too_many_header_fields_is_431(stack, fields):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(fields))
    status, _ = send_head(healthz(stack), request(many))
    assert status == 431


def test_a_request_line_over_the_limit_is_414(stack):
    target = b"/healthz?" + b"a" * LIMIT_REQUEST_LINE
    status, raw = send_head(healthz(stack), request(target=target))
    assert status == 414
    assert_problem(raw, 414)


@pytest.mark.parametrize("head", [
    b"NOT-HTTP\r\nHost: 127.0.0.1",
    b"GET /healthz HTTP/1.1\r\nHost 127.0.0.1",
], ids=["request-line", "header-without-colon"])
def test_a_head_the_server_cannot_parse_is_400_problem_json(stack, head):
    status, raw = send_head(healthz(stack), head + b"\r\n")
    assert status == 400
    assert_problem(raw, 400)


def test_a_header_trickled_past_the_limit_is_431(stack):
    """Many small segments (the case where httptools re-concatenated the partial header
    at every byte): refused once the field passes the limit."""
    parts = urlsplit(healthz(stack))
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(request(b"X-Slow: "))
        try:
            for _ in range(LIMIT_FIELD_SIZE // 512 + 4):
                s.sendall(b"a" * 512)
            s.sendall(b"\r\n\r\n")
        except OSError:
            pass
        data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 431"), data[:100]


def test_normal_requests_on_a_kept_alive_connection_are_unaffected(stack):
    """Several requests, one connection (the head counters start again per request)."""
    parts = urlsplit(healthz(stack))
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"p" * 4000 + b"\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        for _ in range(30):
            s.sendall(head)
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(65536)
            assert data.startswith(b"HTTP/1.1 200"), data[:100]
            length = int(data.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
            body = data.split(b"\r\n\r\n", 1)[1]
            while len(body) < length:
                body += s.recv(65536)
