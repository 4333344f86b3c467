"""A client that goes away mid-upload (issue 26, item 6), on the files service run as a
real uvicorn process with the console log format (the one whose traceback rendering
cost ~4 s of the event loop per abort).

The abort is ordinary: one info line, no "Exception in ASGI application", nothing left
in storage (no partial object, no temporary file, no open multipart upload), and the
service answers ``/healthz`` promptly right after 25 of them.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from saaskit.storage.s3 import S3Storage
from tests.support.api import new_account
from tests.support.env import settings_env
from tests.support.fixtures.storage import stored_keys
from tests.support.servers import process_server

ABORTS = 25
HEALTHZ_PROMPT_SECONDS = 5.0  # generous: before the fix 25 aborts stalled it ~50 s
SENT_BYTES = 256 * 1024  # more than one network chunk, less than the declared length
# Past S3Storage's 5 MiB part: the abort must abort a multipart upload already begun.
LARGE_SENT_BYTES = 6 * 1024 * 1024
BOUNDARY = "abortabortabort"


@pytest.fixture
def files_process(storage_settings, storage, auth_url, tmp_path):
    env = settings_env(storage_settings.model_copy(update={"log_json": False, "log_level": "INFO"}))
    log_path = tmp_path / "files.log"
    command = [sys.executable, "-m", "uvicorn", "files_service.main:create_app", "--factory",
               "--fd", "{fd}", "--no-access-log"]
    with process_server(command, env, log_path=log_path) as url:
        yield url, log_path


def abort_upload(url: str, token: str, sent: int = SENT_BYTES, before_close=None) -> None:
    """Declare a body 1 MiB longer than what is sent (the part header and ``sent``
    bytes of the file), send that, then hang up."""
    parts = urlsplit(url)
    head = (
        f"POST /files HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {sent + 1024 * 1024}\r\n\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + b"a" * sent)
        time.sleep(0.05)  # let the server start streaming the part into storage
        if before_close is not None:
            before_close()


def incomplete_uploads(storage) -> list[str]:
    if not isinstance(storage, S3Storage):
        return []
    result = storage.client._list_multipart_uploads(storage.bucket)  # noqa: SLF001 - no public API
    return [upload.object_name for upload in result.uploads]


def begun(storage) -> None:
    """Wait (bounded) until the upload is in storage: a multipart upload with a part on
    S3, a temporary file on local storage."""
    deadline = time.monotonic() + 20
    while not (incomplete_uploads(storage) or stored_keys(storage)):
        assert time.monotonic() < deadline, "the upload never reached the storage"
        time.sleep(0.05)


def wait_for_quiet(storage, deadline: float) -> set[str]:
    """What is stored once the aborted uploads' threads have cleaned up (bounded wait)."""
    while True:
        left = stored_keys(storage) | set(incomplete_uploads(storage))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def test_aborted_uploads_are_an_info_line_and_leave_nothing(files_process, auth_url, storage):
    url, log_path = files_process
    account = new_account(auth_url)
    token = account.headers["Authorization"].split()[1]

    abort_upload(url, token, LARGE_SENT_BYTES, lambda: begun(storage))
    assert wait_for_quiet(storage, time.monotonic() + 10) == set()
    for _ in range(ABORTS - 1):
        abort_upload(url, token)
    started = time.monotonic()
    health = httpx.get(f"{url}/healthz", timeout=60)
    seconds = time.monotonic() - started
    print(f"/healthz answered in {seconds:.2f} s right after {ABORTS} aborted uploads")

    assert health.status_code == 200
    assert seconds < HEALTHZ_PROMPT_SECONDS
    assert wait_for_quiet(storage, time.monotonic() + 10) == set()
    time.sleep(0.5)
    log = Path(log_path).read_text()
    assert "Exception in ASGI application" not in log
    assert "Traceback" not in log
    lines = [line for line in log.splitlines() if "client went away" in line]
    assert len(lines) == ABORTS, log[-3000:]
    assert all("info" in line.lower() for line in lines), lines[:3]
