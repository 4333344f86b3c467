"""What an uploaded file is: its type, decided from its first bytes, and the name it is
shown (and downloaded) under. Shared by both frameworks and the worker.

- ``detect_content_type(head, complete)`` -> a MIME type, from the magic numbers the
  ``filetype`` package knows, then by decoding for what it cannot see: UTF-8 text,
  JSON, and markup (HTML, SVG, XML), which is reported as ``text/html`` so that an
  allow-list without it refuses it.
- ``sanitize_filename(name)`` -> a display name: no directories, no control characters,
  unicode kept (NFC), at most ``FILENAME_MAX`` characters.
- ``content_disposition(filename)`` -> an RFC 6266 ``attachment`` header value.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from urllib.parse import quote

import filetype  # pyright: ignore[reportMissingTypeStubs] - the package ships no types

from saaskit.files.limits import FILENAME_MAX

# How many leading bytes decide the type (filetype needs 261; text checks want more).
SNIFF_BYTES = 8192

OCTET_STREAM = "application/octet-stream"
HTML = "text/html"
TEXT = "text/plain"
JSON = "application/json"

_BOMS = (codecs.BOM_UTF8,)
# Markup at the start of a text: a tag, a comment, a doctype or an XML declaration.
_LEADING_MARKUP = re.compile(rb"^\s*<(?:[a-zA-Z]|!--|!doctype|\?xml)", re.IGNORECASE)
# Tags a browser would act on, anywhere in the head of a "text" file.
_ACTIVE_MARKUP = re.compile(rb"<\s*(?:script|html|iframe|svg|object|embed)\b", re.IGNORECASE)


def detect_content_type(head: bytes, complete: bool) -> str:
    """The MIME type of a file whose first bytes are ``head`` (``complete`` when ``head``
    is the whole file). Never trusts a declared type; unknown binary data is
    ``application/octet-stream``. An empty file is ``text/plain``."""
    kind = filetype.guess(head)  # pyright: ignore[reportUnknownMemberType] - untyped parameter
    if kind is not None:
        return kind.mime
    body = head
    for bom in _BOMS:
        if body.startswith(bom):
            body = body[len(bom):]
    if b"\x00" in body:
        return OCTET_STREAM
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
    except UnicodeDecodeError:
        return OCTET_STREAM
    if _LEADING_MARKUP.match(body) or _ACTIVE_MARKUP.search(body):
        return HTML
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        if not complete:
            return JSON  # the worker re-checks the whole file
        try:
            json.loads(body)
        except ValueError:
            return TEXT
        return JSON
    return TEXT


def sanitize_filename(name: str | None, default: str = "file") -> str:
    """A client-supplied filename made safe to display and to put in a header."""
    if not name:
        return default
    name = unicodedata.normalize("NFC", name)
    # Both separators: a Windows path arrives with backslashes.
    name = name.replace("\\", "/").rpartition("/")[2]
    name = "".join(" " if ch.isspace() else ch for ch in name
                   if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    name = re.sub(r" {2,}", " ", name).strip(" .")
    if not name:
        return default
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: FILENAME_MAX - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:FILENAME_MAX]
    return name


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name as ``filename*`` (RFC 6266)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = re.sub(r'[^A-Za-z0-9 ._()\-+,=@~]', "_", fallback).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
