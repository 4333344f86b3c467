"""A worker that starts before S3 waits for it (found on the real cluster: the in-chart
S3 became ready a few seconds after the worker, whose startup raised and, under the dev
values' reloader, never came back, so the startup probe killed it two minutes later)."""

from __future__ import annotations

import pytest

from saaskit.storage import StorageUnavailable
from worker.main import wait_for_storage


async def test_the_worker_waits_for_storage_that_comes_up_late():
    calls = []

    def ensure_bucket() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise StorageUnavailable("S3 endpoint unreachable: MaxRetryError")

    await wait_for_storage(ensure_bucket, tries=5, delay=0.01)
    assert len(calls) == 3


async def test_storage_that_never_comes_up_still_fails_the_start():
    def ensure_bucket() -> None:
        raise StorageUnavailable("S3 endpoint unreachable: MaxRetryError")

    with pytest.raises(StorageUnavailable):
        await wait_for_storage(ensure_bucket, tries=3, delay=0.01)
