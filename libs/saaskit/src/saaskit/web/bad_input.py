"""The FastAPI services' guard against bad input: pure ASGI, ahead of routing and parsing.

Invariant: no handler, parser or database ever sees a request body over
``Settings.max_body_bytes`` (413, refused from ``Content-Length`` up front, or as soon
as a chunked body passes the limit, so memory stays flat whatever the client sends),
nor a query string or body that ``saaskit.bad_input`` refuses (400/422). Every
route is covered, present and future, with no per-route code. The one exception is the
upload route(s) a service names: their body streams untouched to the handler, which
enforces ``max_upload_bytes`` itself without buffering.

The guard buffers the (small) body, checks it, and replays it to the app as one
message: FastAPI buffers every non-streaming body anyway.
"""

from __future__ import annotations

from collections.abc import Collection

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saaskit.bad_input import (
    FORM,
    MAX_FORM_PARTS,
    MULTIPART,
    inspect_form,
    inspect_json,
    inspect_query,
    is_json,
    media_type,
    too_large,
    too_many_parts,
)
from saaskit.problems import PROBLEM_JSON, ProblemError


class _TooLarge(Exception):
    pass


async def send_problem(send: Send, err: ProblemError, *, close: bool = False) -> None:
    body = orjson.dumps(err.body())
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        *((name.lower().encode(), value.encode()) for name, value in err.headers.items()),
    ]
    if close:  # the rest of the body is never read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": err.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BadInputMiddleware:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, upload_paths: Collection[str] = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_paths = frozenset(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        err = inspect_query(scope.get("query_string", b""))
        if err is not None:
            await send_problem(send, err)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or scope["path"] in self.upload_paths:
            await self.app(scope, receive, send)
            return
        content_type = None
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await send_problem(send, too_large(), close=True)
            return
        try:
            body = await self._read(receive)
        except _TooLarge:
            await send_problem(send, too_large(), close=True)
            return
        kind = media_type(content_type)
        err = None
        if is_json(content_type):
            err = inspect_json(body)
        elif kind == FORM:
            err = too_many_parts() if body.count(b"&") >= MAX_FORM_PARTS else inspect_form(body)
        elif kind == MULTIPART:
            err = too_many_parts() if body.count(b"\r\n--") > MAX_FORM_PARTS else None
        if err is not None:
            await send_problem(send, err)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)
