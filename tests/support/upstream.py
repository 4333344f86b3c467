"""A local upstream for the link-preview tests: an HTTP server on 127.0.0.1 serving the
pages the preview fetches (a page with a title and og:description, redirect chains, a
slow answer, a dripping one, a huge and an endless body), recording what it was asked.

Every handler is bounded in time: a slow answer waits at most ``HOLD_SECONDS`` (or until
the server stops), an endless body stops after ``ENDLESS_MAX_BYTES``.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

TITLE = "A page & its title"
DESCRIPTION = "What the page is about, from og:description"
PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'>\n"
    b"<title>\n  A page &amp; its   title\n</title>\n"
    b'<meta property="og:description" content="What the page is about, from og:description">\n'
    b"</head><body><p>hello</p></body></html>"
)
HUGE_PAD = 300 * 1024  # bytes before the huge page's og:description: past the 256 KiB cap
HOLD_SECONDS = 10.0
ENDLESS_MAX_BYTES = 64 * 1024 * 1024
CHUNK = b"<!-- " + b"x" * 16_000 + b" -->"


@dataclass
class Upstream:
    base: str
    port: int
    paths: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    endless_sent: list[int] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args) -> None:  # noqa: A002 - the base's name
            pass

        def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                  **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            upstream.paths.append(path)
            parts = path.strip("/").split("/")
            match parts:
                case ["page"]:
                    self._send(200, PAGE)
                case ["missing"]:
                    self._send(404, b"<html><head><title>Not here</title></head></html>")
                case ["text"]:
                    self._send(200, b"<title>not html</title>", "text/plain")
                case ["redirect", count]:  # /redirect/3: three redirects, then the page
                    left = int(count)
                    target = "/page" if left <= 1 else f"/redirect/{left - 1}"
                    self._send(302, b"", Location=target)
                case ["to"]:  # /to?<absolute URL>: one redirect there
                    self._send(302, b"", Location=urlsplit(self.path).query)
                case ["slow"]:
                    upstream.stop.wait(HOLD_SECONDS)
                    self._send(200, PAGE)
                case ["drip"]:  # headers at once, then a byte every 0.2 s
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    deadline = time.monotonic() + HOLD_SECONDS
                    while time.monotonic() < deadline and not upstream.stop.is_set():
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.2)
                case ["huge"]:  # the title first, the description past the cap
                    body = (b"<html><head><title>Huge</title>" + b" " * HUGE_PAD
                            + b'<meta property="og:description" content="too far"></head></html>')
                    self._send(200, body)
                case ["endless"]:
                    self._endless()
                case _:
                    self._send(404, b"")

        def _endless(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = 0
            head = b"<html><head><title>Endless</title></head><body>"
            try:
                for piece in itertools.chain([head], itertools.repeat(CHUNK)):
                    if sent >= ENDLESS_MAX_BYTES or upstream.stop.is_set():
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    sent += len(piece)
            except OSError:  # the client hung up: what the test expects
                pass
            finally:
                upstream.endless_sent.append(sent)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The preview hangs up on purpose (the body cap, the timeout): not an error here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextmanager
def upstream_server() -> Iterator[Upstream]:
    server = _Server(("127.0.0.1", 0), _handler(Upstream("", 0)))
    port = server.server_address[1]
    upstream = Upstream(f"http://127.0.0.1:{port}", port)
    server.RequestHandlerClass = _handler(upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        upstream.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
