"""gunicorn's own error answers in the contract's problem+json shape.

Invariant: every answer the Django service gives, its server's included, is what the
OpenAPI document says: problem+json. gunicorn refuses a malformed or oversized request
head itself, before Django sees it (414 past ``limit_request_line``, 431 past the field
limits, 400 for a request line it cannot parse), and wrote those as a text/html page;
schemathesis found one as an undocumented content type (a fuzzed query string over
4 KiB). The FastAPI services give the same statuses with the kit's body
(``saaskit.http_limits``); this gives gunicorn that body too.

How: gunicorn writes every such answer through one function, ``gunicorn.util.write_error``
(called from ``Worker.handle_error``, which chooses the status and logs). ``install()``,
run by ``gunicorn.conf.py`` in the master before the workers fork, puts ``write_problem``
in its place; the status, the logging and the closing of the connection stay gunicorn's.
``tests/contract/test_header_limits.py`` reads each answer off a real gunicorn, so it
fails if a gunicorn release stops calling that function (the page would be HTML again).
"""

from __future__ import annotations

from gunicorn import util

from saaskit.http_limits import refusal

# gunicorn's message (417, 501) can quote what the client sent; the detail stays small.
_DETAIL_LIMIT = 200


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    if status_int in (400, 414, 431):
        detail = None  # the kit's text, the FastAPI services' too
    elif status_int >= 500:
        detail = "the server could not handle the request"
    else:
        detail = (mesg or reason)[:_DETAIL_LIMIT]
    util.write_nonblock(sock, refusal(status_int, detail))


def install() -> None:
    util.write_error = write_problem
