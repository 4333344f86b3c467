"""saaskit.storage and saaskit.files.types directly (the Django twin calls them too), and
the files service with its storage down."""

from __future__ import annotations

import httpx
import pytest

from devstack.net import free_port
from saaskit.files.types import content_disposition, detect_content_type, sanitize_filename
from saaskit.storage import ObjectNotFound, new_key
from tests.files.client import upload
from tests.support.api import new_account
from tests.support.fixtures.storage import MIB, s3_settings, serve_files, stored_keys
from tests.support.problems import assert_problem


def test_a_failed_write_leaves_nothing_and_a_good_one_reads_back(storage):
    key = new_key("uploads")

    def failing():
        yield b"x" * (6 * MIB)  # past one S3 part, so a multipart upload must be aborted
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        storage.write(key, failing())
    assert stored_keys(storage) == set()
    assert storage.write(key, [b"ab", b"cd"]) == 4
    assert storage.read_bytes(key) == b"abcd"
    storage.delete(key)
    storage.delete(key)  # deleting twice is fine
    with pytest.raises(ObjectNotFound):
        storage.open(key)


def test_keys_are_never_taken_from_input(storage):
    with pytest.raises(ValueError):
        storage.write("../../etc/passwd", [b"x"])


def test_storage_down_means_not_ready_and_a_503_not_a_hang(settings, auth_url):
    down = s3_settings(settings, f"127.0.0.1:{free_port()}")  # nothing listens there
    with serve_files(down) as url:
        ready = httpx.get(f"{url}/readyz", timeout=30)
        # No hang: the 503 comes from the storage client's own timeouts; a hang would end
        # in the upload's client timeout and fail the test (how fast is not asserted).
        response = upload(url, new_account(auth_url), b"hello")

    assert ready.status_code == 503 and ready.json()["checks"]["storage"].startswith("failed")
    assert_problem(response, 503)
    assert response.headers["retry-after"]


@pytest.mark.parametrize(
    ("head", "complete", "expected"),
    [
        (b"", True, "text/plain"),
        (b"plain words\n", True, "text/plain"),
        (b'  {"a": [1, 2]}', True, "application/json"),
        (b'{"a": ', True, "text/plain"),
        (b'{"a": ', False, "application/json"),
        (b"\xef\xbb\xbf<html><body>", True, "text/html"),
        (b"hello <script>alert(1)</script>", True, "text/html"),
        (b"<?xml version='1.0'?><svg/>", True, "text/html"),
        (b"%PDF-1.7\n", True, "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", True, "image/jpeg"),
        (b"\x00\x01\x02binary", True, "application/octet-stream"),
        (b"\xc3\x28 not utf-8", True, "application/octet-stream"),
        (b"caf\xc3", False, "text/plain"),  # a character cut by the sniff window
    ],
)
def test_content_type_comes_from_the_bytes(head, complete, expected):
    assert detect_content_type(head, complete) == expected


def test_long_names_keep_their_extension_within_the_column():
    name = sanitize_filename("é" * 400 + ".tar.gz")
    assert len(name) == 255 and name.endswith(".gz")
    assert content_disposition("naïve.txt") == (
        "attachment; filename=\"naive.txt\"; filename*=UTF-8''na%C3%AFve.txt"
    )
