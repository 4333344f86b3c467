"""What a link preview may fetch: the URL rules, the address policy, and the problems.

Invariant: the preview fetches only ``http``/``https`` URLs of at most
``MAX_URL_LENGTH`` characters with a host and no credentials, and connects only to
addresses that are public unicast: never private, loopback, link-local, multicast,
reserved, unspecified or shared (CGNAT) space, whether the address is written in the URL,
embedded in an IPv6 one (IPv4-mapped ``::ffff:127.0.0.1``, 6to4, NAT64) or is what the
host name resolves to. Why: the server fetches on the caller's behalf from inside the
network, so without it any user could read the cloud metadata service
(169.254.169.254), the cluster's own services or the database port (SSRF). The check is
applied to every address a name resolves to (one private answer refuses the name) and,
in ``saaskit.preview.client``, at connect time on the address actually connected to, for
the first request and every redirect. ``allow_private`` (``APP_PREVIEW_ALLOW_PRIVATE``)
lifts the address rule for tests and the benchmark, whose upstream is on loopback.
"""

from __future__ import annotations

import ipaddress

import httpx

from saaskit.problems import ProblemError, validation_error

MAX_URL_LENGTH = 2048
MAX_BODY_BYTES = 256 * 1024
"""Bytes of the upstream's answer read at most; the rest is never read."""
MAX_REDIRECTS = 3
"""Redirects followed at most; each target goes through the same checks as the first URL."""
SCHEMES = frozenset({"http", "https"})
URL_LOC: list[str | int] = ["body", "url"]

URL_NOT_ALLOWED = "tag:saaskit,2026:url-not-allowed"
"""The problem ``type`` of a URL whose host is refused by the address policy (a tag URI,
RFC 9457 3.1.1's suggestion for a type that is not meant to be dereferenced)."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def bad_url(msg: str) -> ProblemError:
    """422 for a URL that is not one the preview fetches (the validation shape)."""
    return validation_error(URL_LOC, msg)


class UrlNotAllowed(ProblemError):
    """422 ``url-not-allowed``: the host is, or resolves to, an address the policy refuses."""

    def __init__(self, reason: str, *, redirected: bool = False) -> None:
        where = "the URL it redirects to" if redirected else "the URL"
        msg = f"{where} leads to a {reason} address, which is not allowed"
        super().__init__(
            422, msg, title="URL not allowed", type_=URL_NOT_ALLOWED,
            errors=[{"loc": URL_LOC, "msg": msg}],
        )
        self.reason = reason


def upstream_failed(detail: str) -> ProblemError:
    """502: the upstream could not be reached, timed out, or answered with nonsense."""
    return ProblemError(502, detail, title="Bad Gateway")


def parse_url(raw: str) -> httpx.URL:
    """The URL to fetch (its fragment dropped), or 422 with the reason."""
    if len(raw) > MAX_URL_LENGTH:
        raise bad_url(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch <= " " or ch == "\x7f" for ch in raw):
        raise bad_url("the URL contains spaces or control characters")
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise bad_url("not a valid URL") from None
    if url.scheme not in SCHEMES:
        raise bad_url("only http and https URLs can be previewed")
    if not url.host:
        raise bad_url("the URL has no host")
    if url.userinfo:
        raise bad_url("the URL must not contain credentials")
    return url.copy_with(fragment=None)


def _refusal_v4(ip: ipaddress.IPv4Address) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or ip in _SHARED or not ip.is_global:
        return "private"
    return None


def refusal(address: str | IPAddress) -> str | None:
    """Why ``address`` may not be connected to (``"loopback"``, ``"private"``...), or None
    for a public unicast address. A string that is not an address is refused."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "unrecognised"
    if isinstance(ip, ipaddress.IPv4Address):
        return _refusal_v4(ip)
    # IPv6 forms that carry an IPv4 address reach that IPv4 host: judge the embedded one.
    embedded = ip.ipv4_mapped or ip.sixtofour
    if embedded is None and ip in _NAT64:
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if embedded is not None:
        return _refusal_v4(embedded)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local or ip.scope_id:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:  # ::/8 holds the IPv4-compatible forms (::127.0.0.1)
        return "reserved"
    if ip.is_private or ip.is_site_local or ip in _NAT64_LOCAL or not ip.is_global:
        return "private"
    return None


def check_addresses(addresses: list[str], *, allow_private: bool, redirected: bool = False) -> None:
    """Refuse (``UrlNotAllowed``) unless every address is allowed: one private answer
    among public ones refuses the name, so the order a resolver returns cannot matter."""
    if allow_private:
        return
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise UrlNotAllowed(reason, redirected=redirected)
