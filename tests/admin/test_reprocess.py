"""The admin's "Reprocess" action, end to end: the action in Django (in this process),
the job run by the real worker process (``python -m worker``) on the same database,
Redis and storage, and the files' rows and objects read back once it has run."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator

import pytest
import redis
from PIL import Image

from devstack.net import free_port
from saaskit.storage import new_key
from tests.support.api import unique_username
from tests.worker.conftest import WorkerProcess, job_finished, wait_for


@pytest.fixture
def worker(django_setup, tmp_path) -> Iterator[WorkerProcess]:
    from django.conf import settings

    # Other suites of this session number their jobs from 1 on this Redis too: a result
    # of theirs still held under our job's id would make arq refuse our job as a duplicate.
    redis.Redis.from_url(settings.APP.redis_url).flushall()
    worker_settings = settings.APP.model_copy(update={"worker_metrics_port": free_port()})
    process = WorkerProcess(worker_settings, tmp_path / "worker.log").start()
    yield process
    process.stop()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "PNG")
    return out.getvalue()


def _stored_file(owner, data: bytes, content_type: str, **processed):
    """A file row whose object is in storage, as an earlier ``process_file`` left it."""
    from admin_service import runtime
    from admin_service.files.models import File

    file_id = uuid.uuid4()
    key = new_key("uploads", file_id)
    runtime.storage().write(key, [data])
    return File.objects.create(
        id=file_id, owner=owner, filename="f", content_type=content_type, size=len(data),
        storage_key=key, upload_sha256=hashlib.sha256(data).hexdigest(), **processed,
    )


def test_reprocess_checks_processed_files_again(staff_client, worker):
    from django.conf import settings

    from admin_service import runtime
    from admin_service.accounts.models import User
    from admin_service.files.models import File
    from admin_service.jobs.models import Job

    name = unique_username("rep")
    owner = User.objects.create(email=f"{name}@example.com", username=name, password_hash="x")
    text, png = b"checked again\n", _png()
    # Rejected by an earlier rule that no longer holds.
    rejected = _stored_file(owner, text, "text/plain", status="rejected",
                            rejection_reason="an older rule refused it")
    # Ready, but with a stale checksum and a thumbnail under an old key.
    old_thumbnail = new_key("thumbnails")
    runtime.storage().write(old_thumbnail, [b"stale thumbnail"])
    ready = _stored_file(owner, png, "image/png", status="ready", sha256="0" * 64,
                         thumbnail_key=old_thumbnail)

    response = staff_client.post("/admin/files/file/", {
        "action": "reprocess", "_selected_action": [str(rejected.pk), str(ready.pk)],
    }, follow=True)
    assert response.status_code == 200
    assert "2 file(s) queued for processing." in response.content.decode()

    jobs = [Job.objects.get(type="process_file", payload__file_id=str(f.pk)).pk
            for f in (rejected, ready)]
    for job_id in jobs:
        status, _attempts, _result, error = wait_for(
            lambda job_id=job_id: job_finished(settings.APP, job_id), what=f"job {job_id}")
        assert (status, error) == ("succeeded", None)

    rejected, ready = File.objects.get(pk=rejected.pk), File.objects.get(pk=ready.pk)
    assert (rejected.status, rejected.rejection_reason, rejected.thumbnail_key) == (
        "ready", None, None)
    assert rejected.sha256 == hashlib.sha256(text).hexdigest()
    assert (ready.status, ready.rejection_reason) == ("ready", None)
    assert ready.sha256 == hashlib.sha256(png).hexdigest()
    assert ready.thumbnail_key == new_key("thumbnails", ready.pk, ".png")
    storage = runtime.storage()
    assert Image.open(io.BytesIO(storage.read_bytes(ready.thumbnail_key))).size == (64, 48)
    assert not storage.exists(old_thumbnail)
