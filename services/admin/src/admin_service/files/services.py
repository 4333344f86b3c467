"""Uploads and deletions. An upload stores the object first, then writes its ``files``
row and its ``process_file`` job in one transaction; if that fails, the object is
deleted again, so a failed upload leaves neither an object nor a row."""

from __future__ import annotations

import uuid

from django.db import transaction

from admin_service import runtime
from admin_service.api.clock import TRANSACTION_NOW
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
    checked = handler.result
    with upload.open("rb") as source:
        storage.write(key, file_chunks(source))
    try:
        with transaction.atomic():
            lock_active_user(owner_id)
            row = File.objects.create(
                id=file_id,
                owner_id=owner_id,
                filename=handler.display_name,
                content_type=checked.content_type,
                size=checked.size,
                storage_key=key,
                upload_sha256=checked.sha256,
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
    """The admin's "reprocess": the file checked again from its stored bytes.

    ``process_file`` changes only a ``pending`` row, so the row goes back to ``pending``
    with no checksum, thumbnail or rejection reason, in the transaction that writes the
    job's row; the old thumbnail object is deleted there too (if storage refuses, nothing
    changes). The job is pushed to Redis once that has committed: pushed earlier, the
    worker could read the row before the reset and skip it. Should Redis be down, the
    job's row stays ``queued`` and the worker's sweep pushes it later.
    """
    with transaction.atomic():
        File.objects.filter(pk=file.pk).update(
            status="pending",
            sha256=None,
            thumbnail_key=None,
            rejection_reason=None,
            updated_at=TRANSACTION_NOW,
        )
        if file.thumbnail_key:
            runtime.storage().delete(file.thumbnail_key)
        job = jobs.create_job(file.owner_id, queue.PROCESS_FILE, {"file_id": str(file.pk)})
    return jobs.enqueue(job)
