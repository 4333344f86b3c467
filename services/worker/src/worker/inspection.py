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
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import threading
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from saaskit.files.types import JSON, SNIFF_BYTES, detect_content_type
from saaskit.storage import ObjectNotFound, Storage

SPOOL_IN_MEMORY = 8 * 1024 * 1024
DECODES_AT_ONCE = 2
_decoding = threading.BoundedSemaphore(DECODES_AT_ONCE)


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
            try:
                json.load(io.TextIOWrapper(spool, encoding="utf-8-sig"))
            except ValueError:
                return Verdict(rejection="not valid JSON")
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
