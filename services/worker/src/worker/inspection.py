"""What ``process_file`` checks in a stored upload, synchronously (run it in a thread):
one pass over the bytes computes size, SHA-256 and the head for type detection, and
spools images and JSON to a temporary file (in memory up to 8 MiB) for Pillow or the
JSON parser.

Images are bounded before they are decoded: Pillow's ``Image.open`` reads only the
header, so an image declaring more than ``max_image_pixels`` is rejected from its size
alone (a 190 KB PNG can declare 7000x7000 pixels, 150+ MB decoded, and the worker once
went from 115 to 500 MB on one). And at most ``DECODES_AT_ONCE`` images are decoded at a
time in one worker process, so its peak memory is bounded by the budget times that
number, not by the number of concurrent jobs.

JSON is checked as a stream of parser events (ijson on its yajl2_c backend, reading the
spool 64 KiB at a time), never built into a tree: ``json.load`` of a 50 MiB
``[{},{},...]`` took the worker from 108 to 1,375 MB (17 million dicts), and a 4-million
deep ``[[[[...]]]]`` raised ``RecursionError``, which failed the job and left the file
``pending``. Only the nesting depth is tracked, and a document deeper than
``MAX_JSON_DEPTH`` is rejected the moment it gets there. What is held at once is one read
buffer, that buffer's events, and the largest single token (a string or number is
decoded whole, so a one-string file costs about twice its size: bounded by the upload
limit).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import tempfile
import threading
from dataclasses import dataclass

import ijson  # pyright: ignore[reportMissingTypeStubs] - the package ships no types
from PIL import Image, UnidentifiedImageError

from saaskit.files.types import JSON, SNIFF_BYTES, detect_content_type
from saaskit.storage import ObjectNotFound, Storage

SPOOL_IN_MEMORY = 8 * 1024 * 1024
DECODES_AT_ONCE = 2
_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)
# Far deeper than any document a person or a program means to store, and far shallower
# than what would cost memory or time: ``[`` x 4 million is rejected after 513 bytes.
MAX_JSON_DEPTH = 512
JSON_READ_BYTES = 64 * 1024
# Below Python's int() limit of 4300 digits (see ``_DigitRunGuard``).
MAX_DIGIT_RUN = 4000
_DIGITS = b"0123456789"
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{%d}" % (MAX_DIGIT_RUN + 1))
_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


@dataclass(frozen=True)
class Verdict:
    sha256: str | None = None
    thumbnail_png: bytes | None = None
    rejection: str | None = None


class TooManyPixels(Exception):
    pass


def _thumbnail(spool, size_px: int, max_pixels: int) -> bytes:
    spool.seek(0)
    with Image.open(spool) as image, _decoding:  # the header only, so far
        width, height = image.size
        if width * height > max_pixels:
            raise TooManyPixels(f"the image has {width}x{height} pixels, over the budget of {max_pixels}")
        image.thumbnail((size_px, size_px))
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


class _DigitRunGuard:
    """A binary reader for ijson that stops (reads as EOF) at a run of more than
    ``MAX_DIGIT_RUN`` ASCII digits. The C backend converts an integer token with
    ``int()``, which refuses more than 4300 digits (``sys.get_int_max_str_digits``), and
    ijson 3.6 mishandles that error: a ``SystemError``, and after a few such files a
    segfault of the worker. So such a number never reaches the parser. Digits inside a
    string count too: a 4000-digit run of digits is refused wherever it is."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._run = 0  # digits at the end of what was read so far
        self.tripped = False

    def read(self, size: int = -1) -> bytes:
        if self.tripped:
            return b""
        data = self._stream.read(size)
        stripped = data.rstrip(_DIGITS)
        if len(stripped) == 0:
            tail = self._run + len(data)
        else:
            tail = len(data) - len(stripped)
            first = len(data) - len(data.lstrip(_DIGITS))
            if self._run + first > MAX_DIGIT_RUN or _LONG_DIGIT_RUN.search(data):
                self.tripped = True
                return b""
        if tail > MAX_DIGIT_RUN:
            self.tripped = True
            return b""
        self._run = tail
        return data


def json_problem(stream) -> str | None:
    """Why the bytes of ``stream`` (a binary file at its start) are not one JSON document
    of at most ``MAX_JSON_DEPTH`` levels, or None. A UTF-8 BOM is allowed, as
    ``json.load`` with ``utf-8-sig`` allowed it."""
    if stream.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        stream.seek(0)
    guard = _DigitRunGuard(stream)
    depth = 0
    try:
        for event, _value in ijson.basic_parse(guard, buf_size=JSON_READ_BYTES):  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if event in _OPENS:
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
            elif event in _CLOSES:
                depth -= 1
    except (ijson.JSONError, ValueError):  # pyright: ignore[reportUnknownMemberType]
        pass
    else:
        return None
    if guard.tripped:
        return f"not valid JSON: a run of more than {MAX_DIGIT_RUN} digits"
    return "not valid JSON"


def inspect(
    storage: Storage, key: str, *, size: int, upload_sha256: str | None, content_type: str,
    thumbnail_px: int, max_pixels: int,
) -> Verdict:
    try:
        chunks = storage.open(key)
    except ObjectNotFound:
        return Verdict(rejection="the stored object is missing")
    keep = content_type.startswith("image/") or content_type == JSON
    digest = hashlib.sha256()
    head = bytearray()
    seen = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        for chunk in chunks:
            digest.update(chunk)
            seen += len(chunk)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            if keep:
                spool.write(chunk)
        sha256 = digest.hexdigest()
        if seen != size or (upload_sha256 and sha256 != upload_sha256):
            return Verdict(rejection="checksum mismatch: the stored bytes differ from the upload")
        detected = detect_content_type(bytes(head), complete=seen <= SNIFF_BYTES)
        if detected != content_type:
            return Verdict(rejection=f"type mismatch: the bytes are {detected}")
        if content_type == JSON:
            spool.seek(0)
            if (problem := json_problem(spool)) is not None:
                return Verdict(rejection=problem)
            return Verdict(sha256=sha256)
        if content_type.startswith("image/"):
            try:
                return Verdict(sha256=sha256, thumbnail_png=_thumbnail(spool, thumbnail_px, max_pixels))
            except TooManyPixels as exc:
                return Verdict(rejection=str(exc))
            except (Image.DecompressionBombError, UnidentifiedImageError, OSError, SyntaxError,
                    ValueError) as exc:
                return Verdict(rejection=f"not a usable image ({type(exc).__name__})")
    return Verdict(sha256=sha256)
