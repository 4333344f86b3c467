"""Uploads and deletions. An upload stores the object first, then writes its ``files``
row and its ``process_file`` job in one transaction; if that fails, the object is
deleted again, so a failed upload leaves neither an object nor a row."""

from __future__ import annotations

import uuid

from django.db import transaction

from admin_service import runtime
from admin_service.api.writers import lock_active_user
from admin_service.files.models import File
from admin_service.files.upload import CheckedUploadHandler
from admin_service.jobs import services as jobs
from saaskit import queue
from saaskit.storage import file_chunks, new_key


def store_upload(owner_id: int, upload, handler: CheckedUploadHandler) -> File:
    file_id = uuid.uuid4()
    key = new_key("uploads", file_id)
    storage = runtime.storage()
    with upload.open("rb") as source:
        storage.write(key, file_chunks(source))
    try:
        with transaction.atomic():
            lock_active_user(owner_id)
            row = File.objects.create(
                id=file_id,
                owner_id=owner_id,
                filename=handler.display_name,
                content_type=handler.detected_type,
                size=handler.size,
                storage_key=key,
                upload_sha256=handler.sha.hexdigest(),
            )
            job = jobs.create_job(owner_id, queue.PROCESS_FILE, {"file_id": str(file_id)})
            jobs.enqueue_after_commit(job)
    except BaseException:
        storage.delete(key)
        raise
    return row


def remove(file: File) -> None:
    """The row goes only if its objects could be deleted (else 503 and nothing changes)."""
    with transaction.atomic():
        File.objects.filter(pk=file.pk).delete()
        for key in (file.storage_key, file.thumbnail_key):
            if key:
                runtime.storage().delete(key)


def reprocess(file: File) -> bool:
    """The admin's "reprocess": a fresh ``process_file`` job for this file."""
    job = jobs.create_job(file.owner_id, queue.PROCESS_FILE, {"file_id": str(file.pk)})
    return jobs.enqueue(job)
