"""saaskit.files.uploads: the streaming checks both stacks feed, chunk by chunk."""

from __future__ import annotations

import hashlib

import pytest

from saaskit.files.types import SNIFF_BYTES
from saaskit.files.uploads import ENVELOPE_BYTES, UploadCheck, check_body_size, check_declared_length
from saaskit.problems import ProblemError

ALLOWED = ("text/plain", "image/png", "application/json")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def feed_all(check: UploadCheck, data: bytes, chunk: int) -> bytes:
    """Feed ``data`` in chunks of ``chunk`` bytes; return every byte cleared for storing."""
    out = [check.feed(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    return b"".join(out) + check.finish()


@pytest.mark.parametrize("chunk", [1, 7, SNIFF_BYTES, SNIFF_BYTES + 1, 1 << 20])
def test_every_byte_is_cleared_once_in_order_whatever_the_chunking(chunk):
    data = b"plain text line\n" * 2000  # 32 000 bytes, past the sniff window
    check = UploadCheck(1 << 20, ALLOWED)
    assert feed_all(check, data, chunk) == data
    assert check.result.size == len(data)
    assert check.result.content_type == "text/plain"
    assert check.result.sha256 == hashlib.sha256(data).hexdigest()


def test_nothing_is_cleared_before_the_type_is_decided():
    check = UploadCheck(1 << 20, ALLOWED)
    head = b"a" * SNIFF_BYTES
    assert check.feed(head) == b""  # the window is full but the file may end here
    assert check.feed(b"b") == head + b"b"  # past the window: decided, all released
    assert check.feed(b"c") == b"c"


def test_a_refused_type_is_refused_before_anything_is_cleared():
    check = UploadCheck(1 << 20, ("image/png",))
    check.feed(b"<html><script>alert(1)</script>")
    with pytest.raises(ProblemError) as refused:
        check.finish()
    assert refused.value.status == 415 and "text/html" in refused.value.detail


def test_a_large_file_is_refused_as_soon_as_its_head_is_seen():
    check = UploadCheck(1 << 20, ("image/png",))
    with pytest.raises(ProblemError) as refused:
        for _ in range(SNIFF_BYTES + 1):
            check.feed(b"x")
    assert refused.value.status == 415
    assert check.size == SNIFF_BYTES + 1


def test_a_file_exactly_the_sniff_window_is_judged_whole():
    # Invalid JSON that fits the window: judged complete, so text (not "probably JSON").
    data = b"{" + b"x" * (SNIFF_BYTES - 1)
    check = UploadCheck(1 << 20, ALLOWED)
    assert feed_all(check, data, 1000) == data
    assert check.result.content_type == "text/plain"


def test_binary_type_from_magic_bytes_and_empty_file():
    png = UploadCheck(1 << 20, ALLOWED)
    assert feed_all(png, PNG, 3) == PNG and png.result.content_type == "image/png"
    empty = UploadCheck(1 << 20, ALLOWED)
    assert empty.finish() == b""
    assert (empty.result.size, empty.result.content_type) == (0, "text/plain")
    assert empty.result.sha256 == hashlib.sha256(b"").hexdigest()


def test_size_limit_is_refused_the_moment_it_is_crossed():
    check = UploadCheck(10, ALLOWED)
    check.feed(b"0123456789")  # exactly the limit is fine
    with pytest.raises(ProblemError) as refused:
        check.feed(b"!")
    assert refused.value.status == 413 and "10 bytes" in refused.value.detail


def test_result_only_after_finish_and_no_feeding_after_it():
    check = UploadCheck(10, ALLOWED)
    with pytest.raises(RuntimeError):
        _ = check.result
    check.feed(b"hi")
    check.finish()
    with pytest.raises(RuntimeError):
        check.feed(b"more")


def test_declared_and_received_body_sizes_allow_the_envelope_only():
    check_declared_length(None, 100)
    check_declared_length("chunked?", 100)
    check_declared_length(str(100 + ENVELOPE_BYTES), 100)
    check_body_size(100 + ENVELOPE_BYTES, 100)
    for refuse in (lambda: check_declared_length(str(101 + ENVELOPE_BYTES), 100),
                   lambda: check_body_size(101 + ENVELOPE_BYTES, 100)):
        with pytest.raises(ProblemError) as refused:
            refuse()
        assert refused.value.status == 413
