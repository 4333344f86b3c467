"""The link preview's SSRF policy (saaskit.preview) with ``allow_private`` off, through
both clients (async for FastAPI, sync for Django) and their real guarded network
backends. There is no external network here: where a test needs a "public" host, a
fake resolver names it and a fake Internet (the backend's ``inner``, which opens the
sockets) routes that public address to the local upstream. Everything between (the
resolution, the address check, the choice of address, the redirects) is the code
production runs; a naive client (check the name, then let the socket layer resolve it
again) reaches the loopback upstream in these tests, this one must not."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any, cast

import httpcore
import pytest

from saaskit.preview import AsyncPreviewClient, Preview, SyncPreviewClient, parse_url
from saaskit.preview.page import title_and_description
from saaskit.preview.policy import MAX_BODY_BYTES, URL_NOT_ALLOWED, refusal
from saaskit.problems import ProblemError
from tests.support.upstream import TITLE, upstream_server

PUBLIC = "93.184.216.34"  # a public unicast address; no route to it from here
PUBLIC_2 = "198.51.100.7"  # TEST-NET-2 is not public: used only as a refused answer
CLIENTS = ("async", "sync")


@pytest.fixture(scope="module")
def upstream():
    with upstream_server() as server:
        yield server


class Internet:
    """Where each "public" address really is (host, port on loopback), and every
    address connected to, in order. An address it does not know is unreachable."""

    def __init__(self, routes: dict[str, tuple[str, int]] | None = None) -> None:
        self.routes = routes or {}
        self.connected: list[str] = []

    def route(self, address: str) -> tuple[str, int] | None:
        self.connected.append(address)
        return self.routes.get(address)


class _AsyncInternet(httpcore.AsyncNetworkBackend):
    def __init__(self, internet: Internet) -> None:
        self.internet = internet
        self.real = cast(httpcore.AsyncNetworkBackend, httpcore.AnyIOBackend())

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None):
        target = self.internet.route(host)
        if target is None:
            raise httpcore.ConnectError("no route to host")
        return await self.real.connect_tcp(*target, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self.real.sleep(seconds)


class _SyncInternet(httpcore.NetworkBackend):
    def __init__(self, internet: Internet) -> None:
        self.internet, self.real = internet, httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None):
        target = self.internet.route(host)
        if target is None:
            raise httpcore.ConnectError("no route to host")
        return self.real.connect_tcp(*target, timeout=timeout)

    def sleep(self, seconds: float) -> None:
        self.real.sleep(seconds)


class Resolver:
    """A DNS of fixed answers per name; a list of answers is given one per lookup
    (the last one repeats): a name that rebinds between lookups."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.answers:
            raise OSError("name does not resolve")
        seen = self.lookups.count(host)
        options = self.answers[host]
        return options[min(seen, len(options)) - 1]


def fetch(kind: str, url: str, *, resolver: Resolver | None = None, internet: Internet | None = None,
          timeout: float = 2.0, allow_private: bool = False):
    """The preview of ``url`` by the ``kind`` client; a problem is returned, not raised."""
    internet = internet if internet is not None else Internet()
    try:
        if kind == "sync":
            sync_client = SyncPreviewClient(
                timeout=timeout, allow_private=allow_private,
                resolve=resolver.resolve if resolver else None,
                network=_SyncInternet(internet) if internet.routes else None)
            try:
                return sync_client.fetch(url)
            finally:
                sync_client.close()

        async def run():
            async def resolve(host: str, port: int) -> list[str]:
                assert resolver is not None
                return resolver.resolve(host, port)

            async_client = AsyncPreviewClient(
                timeout=timeout, allow_private=allow_private,
                resolve=resolve if resolver else None,
                network=_AsyncInternet(internet) if internet.routes else None)
            try:
                return await async_client.fetch(url)
            finally:
                await async_client.aclose()

        return asyncio.run(run())
    except ProblemError as problem:
        return problem


def assert_not_allowed(result: Any, reason: str | None = None) -> None:
    assert isinstance(result, ProblemError), result
    body = result.body()
    assert (body["status"], body["type"]) == (422, URL_NOT_ALLOWED), body
    assert body["errors"][0]["loc"] == ["body", "url"], body
    if reason:
        assert reason in body["detail"], body


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("10.1.2.3", "private"),
        ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"), ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
        ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("fc00::1", "private"),
        ("ff02::1", "multicast"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"), ("::127.0.0.1", "reserved"), ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"), ("192.0.2.1", "private"), ("not-an-ip", "unrecognised"),
    ],
)
def test_the_policy_refuses_every_address_that_is_not_public_unicast(address, reason):
    assert refusal(address) == reason


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_the_policy_allows_public_unicast(address):
    assert refusal(address) is None


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize(
    ("host", "reason"),
    [("127.0.0.1", "loopback"), ("[::1]", "loopback"), ("[::ffff:127.0.0.1]", "loopback"),
     ("localhost", "loopback")],
)
def test_a_loopback_upstream_is_refused_before_any_request(kind, host, reason, upstream):
    """``localhost`` goes through the system resolver (/etc/hosts), as in production."""
    before = len(upstream.paths)
    assert_not_allowed(fetch(kind, f"http://{host}:{upstream.port}/page"), reason)
    assert len(upstream.paths) == before  # the upstream never saw a request


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize(
    ("url", "reason"),
    [("http://10.0.0.1/", "private"), ("http://169.254.169.254/latest/meta-data/", "link-local"),
     ("http://[fd00::1]/", "private"), ("http://0.0.0.0:8000/", "unspecified")],
)
def test_private_addresses_are_refused_without_a_connect(kind, url, reason):
    internet = Internet({PUBLIC: ("127.0.0.1", 9)})  # any connect would be recorded
    assert_not_allowed(fetch(kind, url, internet=internet), reason)
    assert internet.connected == []


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_name_with_any_private_answer_is_refused(kind):
    resolver = Resolver({"mixed.test": [[PUBLIC, "10.0.0.5"]]})
    internet = Internet({PUBLIC: ("127.0.0.1", 9)})
    assert_not_allowed(fetch(kind, "http://mixed.test/", resolver=resolver, internet=internet), "private")
    assert internet.connected == []


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_public_name_is_fetched_from_its_vetted_address(kind, upstream):
    resolver = Resolver({"public.test": [[PUBLIC]]})
    internet = Internet({PUBLIC: ("127.0.0.1", upstream.port)})
    preview = fetch(kind, "http://public.test/page", resolver=resolver, internet=internet)
    assert isinstance(preview, Preview), preview
    assert (preview.url, preview.status, preview.title) == ("http://public.test/page", 200, TITLE)
    assert internet.connected == [PUBLIC]


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_redirect_to_a_private_address_is_refused(kind, upstream):
    """An allowed host answers 302 to loopback (the upstream itself) and to a name that
    resolves to the metadata address: both refused, the targets never requested."""
    resolver = Resolver({"public.test": [[PUBLIC]], "internal.test": [["169.254.169.254"]]})
    internet = Internet({PUBLIC: ("127.0.0.1", upstream.port)})
    for target, reason in ((f"http://127.0.0.1:{upstream.port}/page", "loopback"),
                           ("http://internal.test/latest/meta-data/", "link-local")):
        before = list(upstream.paths)
        result = fetch(kind, f"http://public.test/to?{target}", resolver=resolver, internet=internet)
        assert_not_allowed(result, reason)
        assert isinstance(result, ProblemError) and "redirects to" in result.detail
        assert upstream.paths[len(before):] == ["/to"]  # only the allowed host was asked
    assert internet.connected == [PUBLIC, PUBLIC]


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_dns_answer_that_changes_after_the_check_does_not_bypass_it(kind, upstream):
    """DNS rebinding: the name is public at the first lookup, loopback (where the
    upstream listens) at any later one. The connect goes to the vetted public address
    (down: 502); the loopback upstream is never reached, the name looked up once."""
    resolver = Resolver({"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
    internet = Internet({"127.0.0.1": ("127.0.0.1", upstream.port)})  # PUBLIC: no route
    before = len(upstream.paths)
    result = fetch(kind, f"http://rebind.test:{upstream.port}/page", resolver=resolver, internet=internet)
    assert isinstance(result, ProblemError) and result.status == 502, result
    assert internet.connected == [PUBLIC]
    assert resolver.lookups == ["rebind.test"]
    assert len(upstream.paths) == before


@pytest.mark.parametrize("kind", CLIENTS)
def test_allow_private_lets_the_loopback_upstream_through(kind, upstream):
    preview = fetch(kind, f"http://localhost:{upstream.port}/page", allow_private=True)
    assert isinstance(preview, Preview), preview
    assert preview.title == TITLE


@pytest.mark.parametrize("kind", CLIENTS)
def test_the_whole_fetch_has_one_deadline(kind, upstream):
    """An upstream that drips a byte every 0.2 s never leaves any single read waiting
    past its timeout: only the preview's deadline ends it (fails fast, does not hang)."""
    import time

    started = time.monotonic()
    result = fetch(kind, upstream.url("/drip"), timeout=0.5, allow_private=True)
    assert isinstance(result, ProblemError) and result.status == 502, result
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_name_that_does_not_resolve_is_502(kind):
    result = fetch(kind, "http://nowhere.test/", resolver=Resolver({}))
    assert isinstance(result, ProblemError) and result.status == 502, result
    assert result.detail == "the upstream could not be reached"


@pytest.mark.parametrize(
    ("raw", "msg"),
    [("ftp://example.com/", "only http and https"), ("http://", "no host"),
     ("http:///x", "no host"), ("//example.com/", "only http and https"),
     ("http://u:p@example.com/", "credentials"), ("http://example.com/\n", "control"),
     ("https://example.com/" + "a" * 2048, "longer than 2048")],
)
def test_bad_urls_are_422_with_the_reason(raw, msg):
    with pytest.raises(ProblemError) as caught:
        parse_url(raw)
    body = caught.value.body()
    assert body["status"] == 422 and body["errors"][0]["loc"] == ["body", "url"], body
    assert msg in body["errors"][0]["msg"], body


def test_a_good_url_keeps_its_host_and_drops_its_fragment():
    assert str(parse_url("https://Example.COM:8443/a?b=1#frag")) == "https://example.com:8443/a?b=1"


def test_the_page_parser_reads_title_and_og_description():
    page = ("<html><head><meta charset=iso-8859-1><title>Caf\xe9  &amp;\n bar</title>"
            "<meta name='og:description' content=' one\n two '></head></html>").encode("latin-1")
    assert title_and_description(page, "text/html") == ("Café & bar", "one two")
    assert title_and_description(b"<title>x</title>", "application/json") == (None, None)
    assert title_and_description(b"<title>cut off", None) == ("cut off", None)
    assert title_and_description(b"<title>x</title>", "text/html; charset=hex") == ("x", None)


def test_a_compressed_answer_is_inflated_only_up_to_the_cap():
    bomb = zlib.compress(b"<title>bomb</title>" + b" " * (50 * MAX_BODY_BYTES), 9)
    assert len(bomb) < MAX_BODY_BYTES // 4
    gzipped = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    gz = gzipped.compress(b"<title>gz</title>") + gzipped.flush()
    assert title_and_description(bomb, "text/html", "deflate") == ("bomb", None)
    assert title_and_description(gz, "text/html", "gzip") == ("gz", None)
    assert title_and_description(b"\x00", "text/html", "br") == (None, None)
