"""uvicorn's httptools protocol with gunicorn's bounds on a request's head.

Invariant: a FastAPI service reads at most ``LIMIT_REQUEST_LINE`` bytes of a request
line, ``LIMIT_FIELD_SIZE`` bytes of one header field line and ``LIMIT_FIELDS`` header
fields, the numbers gunicorn applies to the Django service (its ``limit_request_line``,
``limit_request_field_size``, ``limit_request_fields`` defaults), and answers past them
as gunicorn does: 414 for the request line, 431 for the header fields, with the kit's
problem+json (``saaskit.http_limits``, the Django side's answer too), then closes the
connection. uvicorn with httptools has no such bound:
a 48 MiB header was read whole (RSS +46 MB, ``/healthz`` 1.5 s), and httptools joins the
pieces of a header that arrives in small segments with ``bytes +=`` (quadratic). uvicorn
with h11 has ``h11_max_incomplete_event_size``, but answers 400.

How: the services are started with ``--http saaskit.web.server:HttpToolsProtocol`` (the
images set ``UVICORN_HTTP``; the Procfile and the test stacks pass ``--http``), uvicorn's
documented way to name a protocol class. Before a chunk of a head reaches the parser,
its lines are counted here, so a partial line is refused as soon as it is too long,
never accumulated past the limit. Only the public ``data_received`` and the parser
callbacks are overridden, each calling uvicorn's own.

Pipelined requests: bytes that follow a complete head in the same chunk (a body, or the
next request) go to the parser unscanned; a next request's head is then scanned from the
next chunk on as if it began there. Its limits can be passed by at most one chunk
(64 KiB) before it is refused.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornHttpTools

from saaskit.http_limits import (
    LIMIT_FIELD_SIZE,
    LIMIT_FIELDS,
    LIMIT_REQUEST_LINE,
    head_refusal_detail,
    refusal,
)


class HeadScan:
    """Line lengths and field count of one request head, fed chunk by chunk."""

    __slots__ = ("cr", "in_head", "line", "lines")

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self.in_head = True
        self.line = 0  # bytes of the current, unfinished line
        self.cr = False  # that partial line ends with a CR (its LF is yet to come)
        self.lines = 0  # complete lines so far (the request line is the first)

    def feed(self, data: bytes) -> int | None:
        """The status that refuses this head (414, 431), or None; stops at the blank
        line that ends it (``in_head`` False). Lengths exclude the line's CRLF."""
        if not self.lines and not self.line and data[:1] not in (b"\r", b"\n"):
            # The usual case, in C: a whole head in one chunk, shorter than the smallest
            # limit (so no line can pass one), with at most LIMIT_FIELDS field lines.
            end = data.find(b"\r\n\r\n", 0, LIMIT_REQUEST_LINE + 4)
            if end != -1 and data.count(b"\n", 0, end) <= LIMIT_FIELDS:
                self.in_head = False
                return None
        pos = 0
        size = len(data)
        while pos < size:
            newline = data.find(b"\n", pos)
            if newline == -1:
                self.line += size - pos
                self.cr = data.endswith(b"\r")
                return self._check(self.line - self.cr)
            ends_cr = data[newline - 1:newline] == b"\r" if newline > pos else self.cr
            length = self.line + newline - pos - ends_cr
            self.line = 0
            self.cr = False
            pos = newline + 1
            if length == 0:
                if self.lines:
                    self.in_head = False
                    return None
                continue  # blank lines before a request line are ignored (RFC 9112)
            refused = self._check(length)
            if refused:
                return refused
            self.lines += 1
            if self.lines - 1 > LIMIT_FIELDS:
                return 431
        return None

    def _check(self, length: int) -> int | None:
        if self.lines == 0:
            return 414 if length > LIMIT_REQUEST_LINE else None
        return 431 if length > LIMIT_FIELD_SIZE else None


class HttpToolsProtocol(_UvicornHttpTools):
    """uvicorn's httptools protocol, refusing a head past gunicorn's limits."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._head = HeadScan()
        self._refused = False
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head.in_head:
            status = self._head.feed(data)
            if status is not None:
                self._refuse(status)
                return
        super().data_received(data)

    def on_message_complete(self) -> None:
        # The next bytes on this connection start a new head (keep-alive, pipelining).
        # Called while the parser is inside a chunk: if that chunk has more bytes (a
        # pipelined request), they were not scanned, and the next chunk continues it.
        self._head.restart()
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to a head httptools cannot parse was text/plain; the document
        # says problem+json (saaskit.http_limits). uvicorn has logged ``msg``.
        self.transport.write(refusal(400))
        self.transport.close()

    def _refuse(self, status: int) -> None:
        self._refused = True
        detail = head_refusal_detail(status)
        self.logger.warning("Refused a request head: %s", detail)
        self.transport.write(refusal(status, detail))
        self.transport.close()
