"""Calls of the files API used by the suites (files, worker)."""

from __future__ import annotations

import httpx

from tests.support.api import Account


def upload(
    files_url: str, account: Account, content: bytes, filename: str = "notes.txt",
    declared_type: str = "application/octet-stream", field: str = "file",
) -> httpx.Response:
    return httpx.post(
        f"{files_url}/files", headers=account.headers,
        files={field: (filename, content, declared_type)}, timeout=60,
    )


def download(files_url: str, account: Account, file_id: str) -> httpx.Response:
    """The bytes, following a redirect to a presigned URL (without our token)."""
    response = httpx.get(f"{files_url}/files/{file_id}/download", headers=account.headers, timeout=60)
    if response.status_code == 307:
        return httpx.get(response.headers["location"], timeout=60)
    return response
