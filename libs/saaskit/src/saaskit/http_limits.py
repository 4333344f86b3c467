"""The bounds on a request's head and the answer past them, one for both stacks.

Invariant: both stacks read at most ``LIMIT_REQUEST_LINE`` bytes of a request line,
``LIMIT_FIELD_SIZE`` bytes of one header field line and ``LIMIT_FIELDS`` header fields
(gunicorn's ``limit_request_line``, ``limit_request_field_size`` and
``limit_request_fields`` defaults), and refuse past them with 414 or 431 and the same
problem+json body, then close the connection; a head neither can parse is 400 with that
body too. Both OpenAPI documents say so
(``saaskit.openapi`` documents 414 on every operation), so the answer must be the
documented one whichever server gives it: uvicorn through ``saaskit.web.server``,
gunicorn through ``admin_service.server_errors`` (gunicorn's own was a text/html page,
which schemathesis found as an undocumented content type).

Framework-free: the Django image has no uvicorn, the FastAPI images no gunicorn.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson

from saaskit.problems import PROBLEM_JSON, problem

LIMIT_REQUEST_LINE = 4094
LIMIT_FIELD_SIZE = 8190
LIMIT_FIELDS = 100

TOO_LONG_LINE = f"the request line is longer than {LIMIT_REQUEST_LINE} bytes"
TOO_LARGE_FIELDS = (
    f"the request has a header field over {LIMIT_FIELD_SIZE} bytes or more "
    f"than {LIMIT_FIELDS} header fields"
)

# A head the parser cannot read (uvicorn's httptools, gunicorn's parser): 400. Each
# server logs its own reason; the client gets one text from both.
MALFORMED = "the request is not well-formed HTTP/1.1"

_DETAILS = {400: MALFORMED, 414: TOO_LONG_LINE, 431: TOO_LARGE_FIELDS}


def head_refusal_detail(status: int) -> str:
    """The detail of a server's own 400, 414 or 431, the same text on both stacks."""
    return _DETAILS[status]


# RFC 9110's reason phrases where Python's are older ("Request-URI Too Long").
_REASONS = {414: "URI Too Long"}


def refusal(status: int, detail: str | None = None) -> bytes:
    """The whole response, for a connection that is closed right after it; the detail
    is the status's own (``head_refusal_detail``) unless given."""
    body = orjson.dumps(problem(status, detail or head_refusal_detail(status)))
    reason = _REASONS.get(status) or HTTPStatus(status).phrase
    return b"".join([
        b"HTTP/1.1 %d %s\r\n" % (status, reason.encode()),
        b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
        b"content-length: %d\r\n" % len(body),
        b"x-content-type-options: nosniff\r\n",
        b"connection: close\r\n\r\n",
        body,
    ])
