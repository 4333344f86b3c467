"""``process_file`` end to end: upload over HTTP, a real worker process, the verdict."""

from __future__ import annotations

import hashlib
import io

import httpx
import pytest
from PIL import Image

from tests.files.client import upload
from tests.support.api import new_account
from tests.support.fixtures.storage import stored_keys
from tests.worker.conftest import query, wait_for


def png(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def file_status(files_url, account, file_id):
    body = httpx.get(f"{files_url}/files/{file_id}", headers=account.headers).json()
    return body if body["status"] != "pending" else None


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_an_image_becomes_ready_with_its_checksum_and_a_thumbnail(
    files_url, auth_url, start_worker, worker_settings, storage
):
    account = new_account(auth_url)
    content = png()
    created = upload(files_url, account, content, "photo.png").json()

    start_worker()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file processed")

    assert done["status"] == "ready"
    assert done["sha256"] == hashlib.sha256(content).hexdigest()
    [(thumbnail_key, reason)] = query(
        worker_settings, "SELECT thumbnail_key, rejection_reason FROM files WHERE id = %s", created["id"]
    )
    assert reason is None
    with Image.open(io.BytesIO(storage.read_bytes(thumbnail_key))) as thumbnail:
        assert thumbnail.format == "PNG"
        assert max(thumbnail.size) == worker_settings.thumbnail_size_px
    [(status, attempts)] = query(
        worker_settings, "SELECT status, attempts FROM jobs WHERE type = 'process_file'"
    )
    assert (status, attempts) == ("succeeded", 1)


def test_a_file_changed_in_storage_after_upload_is_rejected(
    files_url, auth_url, start_worker, worker_settings, storage
):
    account = new_account(auth_url)
    created = upload(files_url, account, b"original text").json()
    [(key,)] = query(worker_settings, "SELECT storage_key FROM files WHERE id = %s", created["id"])
    storage.write(key, [b"tampered text"])

    start_worker()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file processed")

    assert done["status"] == "rejected" and done["sha256"] is None
    [(reason,)] = query(worker_settings, "SELECT rejection_reason FROM files WHERE id = %s", created["id"])
    assert reason.startswith("checksum mismatch")


def test_json_that_does_not_parse_is_rejected_as_json(files_url, auth_url, start_worker, storage):
    account = new_account(auth_url)
    # Larger than the sniff window, so the upload could only see that it starts like JSON.
    broken = b'{"items": [' + b'"x", ' * 3000 + b'"unterminated'
    created = upload(files_url, account, broken, "data.json").json()
    assert created["content_type"] == "application/json"

    start_worker()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file processed")

    assert done["status"] == "rejected"


def test_an_upload_whose_file_was_deleted_meanwhile_is_a_no_op(
    files_url, auth_url, start_worker, worker_settings, storage
):
    account = new_account(auth_url)
    created = upload(files_url, account, png()).json()
    assert httpx.delete(f"{files_url}/files/{created['id']}", headers=account.headers).status_code == 204

    start_worker()
    status, _attempts, result, _error = wait_for(
        lambda: query(worker_settings, "SELECT status, attempts, result, error FROM jobs "
                      "WHERE type = 'process_file' AND status <> 'queued' AND status <> 'running'"),
        what="job finished",
    )[0]

    assert status == "succeeded" and result["status"] == "deleted"
    assert stored_keys(storage) == set()  # neither the upload nor a thumbnail
