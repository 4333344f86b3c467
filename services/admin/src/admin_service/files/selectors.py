from __future__ import annotations

import uuid

from admin_service.api.pagination import keyset_page
from admin_service.files.models import File
from saaskit.files.problems import file_not_found
from saaskit.pagination import Cursor


def file_of_owner(raw_id: str, owner_id: int) -> File:
    """A malformed id names no file: 404, like any id that is not the caller's."""
    try:
        file_id = uuid.UUID(raw_id)
    except ValueError:
        raise file_not_found() from None
    file = File.objects.filter(pk=file_id, owner_id=owner_id).first()
    if file is None:
        raise file_not_found()
    return file


def list_files(owner_id: int, *, limit: int, cursor: Cursor | None):
    return keyset_page(File.objects.filter(owner_id=owner_id), limit, cursor)
