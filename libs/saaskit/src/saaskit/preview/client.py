"""The preview's fetch: one GET, redirects followed by hand, a capped body, one deadline.

Invariants, and why:
- The address policy (``saaskit.preview.policy``) is enforced where the socket is
  opened: the client's httpcore network backend resolves the host itself, refuses the
  name if any answer is not allowed, and connects to one of exactly those vetted
  addresses. Nothing resolves the name a second time, so a DNS answer that changes
  between the check and the connect (DNS rebinding) cannot slip a private address in.
  The URL keeps its host name, so the ``Host`` header, TLS SNI and certificate checks
  are the name's; a pooled keep-alive connection was vetted when it was opened.
- Redirects are followed by this code, at most ``MAX_REDIRECTS``, each target parsed
  like the caller's URL and connected to through the same check (a public page that
  redirects to 169.254.169.254 is refused, 422 ``url-not-allowed``).
- The whole preview (name resolution, every connect, TLS, redirect hop and read) gets
  ``timeout`` seconds in all: a deadline in a context variable clamps every socket
  operation's timeout (and a task timeout bounds the async side on top), so an upstream
  that drips a byte a second cannot hold the request past it. Past it: 502.
- At most ``MAX_BODY_BYTES`` of the body are read, then the connection is dropped; the
  answer is asked for uncompressed, and a compressed one is inflated to the same cap.
- No proxy from the environment is used (``trust_env=False``): a proxy would connect on
  our behalf to addresses this code never checked.

Two clients with the same behaviour: ``AsyncPreviewClient`` (httpx.AsyncClient, for the
FastAPI service) and ``SyncPreviewClient`` (httpx.Client, for Django, whose gunicorn
gevent workers make its sockets and name lookups cooperative).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any, cast

import httpcore
import httpx

from saaskit.preview.page import title_and_description
from saaskit.preview.policy import (
    MAX_BODY_BYTES,
    MAX_REDIRECTS,
    UrlNotAllowed,
    check_addresses,
    parse_url,
    upstream_failed,
)
from saaskit.problems import ProblemError
from saaskit.settings import Settings

AsyncResolver = Callable[[str, int], Awaitable[list[str]]]
"""host, port -> the addresses it resolves to (an ``OSError`` when it does not)."""
SyncResolver = Callable[[str, int], list[str]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HEADERS = {
    "User-Agent": "saaskit-preview/1.0",
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "Accept-Encoding": "identity",
}
KEEPALIVE_CONNECTIONS = 32

_deadline: ContextVar[float | None] = ContextVar("preview_deadline", default=None)


@dataclass(frozen=True, slots=True)
class Preview:
    url: str
    """The URL the title was read from: the caller's, or the last redirect's target."""
    status: int
    """The upstream's HTTP status (any answer is a preview; only no answer is 502)."""
    title: str | None
    description: str | None
    fetched_ms: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of the preview's deadline (none set: unchanged)."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the preview's time ran out")
    return left if timeout is None else min(timeout, left)


def _literal(host: str) -> list[str] | None:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return None


def _addresses(infos: Iterable[tuple[Any, ...]]) -> list[str]:
    found: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in found:
            found.append(address)
    return found


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return _addresses(infos)


_lookups: ThreadPoolExecutor | None = None


def system_resolve_sync(host: str, port: int) -> list[str]:
    """``getaddrinfo`` on a small pool, so the wait is bounded by the deadline (it has no
    timeout of its own). Under gevent the pool's threads are greenlets and the lookup is
    gevent's cooperative one; the pool is made at first use, after the worker forked."""
    global _lookups
    if _lookups is None:
        _lookups = ThreadPoolExecutor(max_workers=8, thread_name_prefix="preview-dns")
    future = _lookups.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return _addresses(future.result(timeout=_clamp(None, httpcore.ConnectTimeout)))
    except TimeoutError:
        future.cancel()
        raise httpcore.ConnectTimeout("resolving the host took too long") from None


class _AsyncStream(httpcore.AsyncNetworkStream):
    """A socket whose every operation ends by the preview's deadline."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _AsyncStream(await self._stream.start_tls(
            ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _SyncStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _SyncStream(self._stream.start_tls(
            ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address, connect to a checked one (``inner`` opens sockets:
    anyio's by default; tests pass one that plays the Internet)."""

    def __init__(self, *, allow_private: bool, resolve: AsyncResolver | None = None,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self._resolve = resolve or system_resolve
        # httpcore's AnyIOBackend is a stub class when anyio is missing: typed as the base
        self._inner = inner or cast(httpcore.AsyncNetworkBackend, httpcore.AnyIOBackend())

    async def _lookup(self, host: str, port: int) -> list[str]:
        literal = _literal(host)
        if literal is not None:
            return literal
        try:
            async with asyncio.timeout(_clamp(None, httpcore.ConnectTimeout)):
                found = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout("resolving the host took too long") from None
        except OSError:
            raise httpcore.ConnectError("the host name does not resolve") from None
        if not found:
            raise httpcore.ConnectError("the host name does not resolve")
        return found

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await self._lookup(host, port)
        check_addresses(addresses, allow_private=self.allow_private)
        failure: Exception = httpcore.ConnectError("the upstream could not be reached")
        for address in addresses:  # the vetted addresses, and only those
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout=_clamp(timeout, httpcore.ConnectTimeout),
                    local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _AsyncStream(stream)
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedSyncBackend(httpcore.NetworkBackend):
    """The same for the sync client (``inner``: the socket module's, gevent-patched under
    gunicorn's gevent workers)."""

    def __init__(self, *, allow_private: bool, resolve: SyncResolver | None = None,
                 inner: httpcore.NetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self._resolve = resolve or system_resolve_sync
        self._inner = inner or httpcore.SyncBackend()

    def _lookup(self, host: str, port: int) -> list[str]:
        literal = _literal(host)
        if literal is not None:
            return literal
        try:
            found = self._resolve(host, port)
        except OSError:
            raise httpcore.ConnectError("the host name does not resolve") from None
        if not found:
            raise httpcore.ConnectError("the host name does not resolve")
        return found

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self._lookup(host, port)
        check_addresses(addresses, allow_private=self.allow_private)
        failure: Exception = httpcore.ConnectError("the upstream could not be reached")
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, timeout=_clamp(timeout, httpcore.ConnectTimeout),
                    local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _SyncStream(stream)
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# httpx 0.28 takes no network backend: its transports are built as usual, then given a
# connection pool of the same settings over the guarded backend (httpx only ever calls
# the pool through ``self._pool``). tests/kit/test_preview_policy.py fails if a new httpx
# stops using it: every connection there must go through the guard.
class _GuardedAsyncTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: GuardedAsyncBackend) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=None, max_keepalive_connections=KEEPALIVE_CONNECTIONS,
            keepalive_expiry=5.0, network_backend=backend)


class _GuardedSyncTransport(httpx.HTTPTransport):
    def __init__(self, backend: GuardedSyncBackend) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=None, max_keepalive_connections=KEEPALIVE_CONNECTIONS,
            keepalive_expiry=5.0, network_backend=backend)


def _next_url(response: httpx.Response, url: httpx.URL) -> httpx.URL | None:
    """Where a redirect points (checked like the caller's URL), or None for an answer."""
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("location", "").strip()
    if not location:
        return None
    try:
        return parse_url(str(url.join(location)))
    except (ProblemError, httpx.InvalidURL, ValueError):
        raise upstream_failed("the upstream redirected to a URL that cannot be previewed") from None


def _preview(url: httpx.URL, response: httpx.Response, body: bytes, started: float) -> Preview:
    title, description = title_and_description(
        body, response.headers.get("content-type"), response.headers.get("content-encoding"))
    return Preview(url=str(url), status=response.status_code, title=title,
                   description=description, fetched_ms=round((time.monotonic() - started) * 1000))


def _keep(body: bytearray, chunk: bytes) -> bool:
    """Add ``chunk`` up to the cap; False once the cap is reached (stop reading)."""
    body += chunk[: MAX_BODY_BYTES - len(body)]
    return len(body) < MAX_BODY_BYTES


def _timed_out(timeout: float) -> ProblemError:
    return upstream_failed(f"the upstream did not answer within {timeout:g} s")


def _unreachable(exc: httpx.HTTPError) -> ProblemError:
    if isinstance(exc, httpx.ConnectError):
        return upstream_failed("the upstream could not be reached")
    return upstream_failed("the upstream's answer could not be read")


class AsyncPreviewClient:
    """One per FastAPI process (keep-alive connections to upstreams are pooled)."""

    def __init__(self, *, timeout: float, allow_private: bool,
                 resolve: AsyncResolver | None = None,
                 network: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.timeout = timeout
        backend = GuardedAsyncBackend(allow_private=allow_private, resolve=resolve, inner=network)
        self._client = httpx.AsyncClient(
            transport=_GuardedAsyncTransport(backend), headers=HEADERS, timeout=timeout,
            follow_redirects=False, trust_env=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> AsyncPreviewClient:
        return cls(timeout=settings.preview_timeout_seconds,
                   allow_private=settings.preview_allow_private)

    async def fetch(self, url: str | httpx.URL) -> Preview:
        """The preview of ``url``: 422 (bad or refused URL) or 502 (upstream) problems."""
        target = parse_url(url) if isinstance(url, str) else url
        started = time.monotonic()
        token = _deadline.set(started + self.timeout)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(target, started)
        except (TimeoutError, httpx.TimeoutException):
            raise _timed_out(self.timeout) from None
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from None
        finally:
            _deadline.reset(token)

    async def _follow(self, url: httpx.URL, started: float) -> Preview:
        for hop in range(MAX_REDIRECTS + 1):
            try:
                response = await self._client.send(self._client.build_request("GET", url), stream=True)
            except UrlNotAllowed as exc:
                raise UrlNotAllowed(exc.reason, redirected=hop > 0) from None
            try:
                target = _next_url(response, url)
                if target is None:
                    body = bytearray()
                    async for chunk in response.aiter_raw():
                        if not _keep(body, chunk):
                            break
                    return _preview(url, response, bytes(body), started)
            finally:
                await response.aclose()
            url = target
        raise upstream_failed(f"the upstream redirected more than {MAX_REDIRECTS} times")

    async def aclose(self) -> None:
        await self._client.aclose()


class SyncPreviewClient:
    """One per Django process; under gevent each request's greenlet waits cooperatively."""

    def __init__(self, *, timeout: float, allow_private: bool,
                 resolve: SyncResolver | None = None,
                 network: httpcore.NetworkBackend | None = None) -> None:
        self.timeout = timeout
        backend = GuardedSyncBackend(allow_private=allow_private, resolve=resolve, inner=network)
        self._client = httpx.Client(
            transport=_GuardedSyncTransport(backend), headers=HEADERS, timeout=timeout,
            follow_redirects=False, trust_env=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncPreviewClient:
        return cls(timeout=settings.preview_timeout_seconds,
                   allow_private=settings.preview_allow_private)

    def fetch(self, url: str | httpx.URL) -> Preview:
        target = parse_url(url) if isinstance(url, str) else url
        started = time.monotonic()
        token = _deadline.set(started + self.timeout)
        try:
            return self._follow(target, started)
        except (TimeoutError, httpx.TimeoutException):
            raise _timed_out(self.timeout) from None
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from None
        finally:
            _deadline.reset(token)

    def _follow(self, url: httpx.URL, started: float) -> Preview:
        for hop in range(MAX_REDIRECTS + 1):
            try:
                response = self._client.send(self._client.build_request("GET", url), stream=True)
            except UrlNotAllowed as exc:
                raise UrlNotAllowed(exc.reason, redirected=hop > 0) from None
            try:
                target = _next_url(response, url)
                if target is None:
                    body = bytearray()
                    for chunk in response.iter_raw():
                        if not _keep(body, chunk):
                            break
                    return _preview(url, response, bytes(body), started)
            finally:
                response.close()
            url = target
        raise upstream_failed(f"the upstream redirected more than {MAX_REDIRECTS} times")

    def close(self) -> None:
        self._client.close()
