"""From the (capped) bytes of an upstream's answer to its ``<title>`` and ``og:description``.

Invariant: this never reads more than it is given (the client stops at
``MAX_BODY_BYTES``), never raises on hostile markup, and gives both stacks the same
strings for the same bytes: whitespace collapsed, at most ``TITLE_MAX`` /
``DESCRIPTION_MAX`` characters, ``None`` when absent or empty. The parser is the standard
library's ``html.parser`` (lenient, no dependency; entities decoded); only HTML
(``text/html``, ``application/xhtml+xml``, or no type given) is parsed.
"""

from __future__ import annotations

import codecs
import re
import zlib
from html.parser import HTMLParser

from saaskit.preview.policy import MAX_BODY_BYTES

TITLE_MAX = 512
DESCRIPTION_MAX = 2048
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.description: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and self.title is None:
            self._in_title = True
        elif tag == "meta" and self.description is None:
            values = {name: value or "" for name, value in attrs}
            kind = (values.get("property") or values.get("name") or "").strip().lower()
            if kind == "og:description":
                self.description = _clean(values.get("content", ""), DESCRIPTION_MAX) or None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = _clean("".join(self._title_parts), TITLE_MAX) or None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)

    def finish(self) -> None:
        if self._in_title:  # cut off (by the cap) inside the title: what was read of it
            self.handle_endtag("title")


def _clean(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _charset(content_type: str | None, body: bytes) -> str:
    declared = None
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            declared = value.strip().strip("\"'")
    if declared is None:
        found = _META_CHARSET.search(body[:2048])
        declared = found.group(1).decode("ascii") if found else None
    try:
        codec = codecs.lookup(declared) if declared else None
    except LookupError:
        return "utf-8"
    # bytes-to-bytes codecs (hex, zlib...) are not charsets, whatever a page declares
    return codec.name if codec and getattr(codec, "_is_text_encoding", True) else "utf-8"


def decode_content(body: bytes, content_encoding: str | None) -> bytes | None:
    """The body without its ``Content-Encoding`` (we ask for ``identity``; a server that
    compresses anyway is inflated to at most ``MAX_BODY_BYTES``, so a small compressed
    answer cannot expand into megabytes); None for an encoding we do not read."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("identity", ""):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    try:
        return zlib.decompressobj(wbits).decompress(body, MAX_BODY_BYTES)
    except zlib.error:
        if encoding == "deflate":  # raw deflate, as some servers send it
            try:
                return zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, MAX_BODY_BYTES)
            except zlib.error:
                return None
        return None


def title_and_description(
    body: bytes, content_type: str | None, content_encoding: str | None = None
) -> tuple[str | None, str | None]:
    kind = media_type(content_type)
    if kind and kind not in HTML_TYPES:
        return None, None
    content = decode_content(body, content_encoding)
    if content is None:
        return None, None
    parser = _HeadParser()
    try:
        parser.feed(content.decode(_charset(content_type, content), errors="replace"))
        parser.close()
    except Exception:  # noqa: BLE001, S110 - hostile markup: keep what was found before it
        pass
    parser.finish()
    return parser.title, parser.description
