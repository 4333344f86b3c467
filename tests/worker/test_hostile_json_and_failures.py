"""Hostile JSON and failing jobs, on a real worker process (issue 26, item 4).

- A 50 MiB ``[{},{},...]`` is checked as a stream of parser events: the worker's peak
  resident set (``VmHWM``) grows by a bounded amount, not by the ~1.2 GB a parsed tree
  of 17 million dicts took.
- A 4-million-deep ``[[[[...]]]]`` is rejected for its depth, with a reason, instead of
  failing the job with ``RecursionError``.
- Whatever makes a ``process_file`` job fail for good (an unexpected exception, or a
  transient one on the last try) ends the file ``rejected`` with a reason: never left
  ``pending`` for its owner to poll until the cleanup deletes it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from saaskit.settings import Settings
from tests.files.client import upload
from tests.support.api import new_account
from tests.worker.conftest import query, wait_for
from tests.worker.test_image_budget import peak_rss_mb
from tests.worker.test_process_file import file_status

GROWTH_LIMIT_MB = 100  # generous: the streaming check itself needs a few MB


@pytest.fixture
def storage_settings(settings: Settings) -> Settings:
    """Local storage, with the default upload limit of 50 MiB (the suites' is 12)."""
    return settings.model_copy(update={"max_upload_bytes": 50 * 2**20})


def _rejection(settings, file_id) -> tuple[str, str | None]:
    [row] = query(settings, "SELECT status, rejection_reason FROM files WHERE id = %s", file_id)
    return row


@pytest.mark.slow
def test_a_large_flat_json_array_is_checked_in_bounded_memory(
    files_url, auth_url, start_worker, worker_settings
):
    body = b"[" + b"{}," * ((worker_settings.max_upload_bytes - 1024) // 3) + b"{}]"
    account = new_account(auth_url)
    # 35 million parser events take a while (~15 s on a loaded 2-core machine): the
    # production job timeout (300 s), not the suite's 3 s.
    worker = start_worker(worker_job_timeout_seconds=300)
    idle = peak_rss_mb(worker.proc.pid)

    created = upload(files_url, account, body, "many.json").json()
    assert created["content_type"] == "application/json", created
    started = time.monotonic()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), timeout=300,
                    what="file processed")
    peak = peak_rss_mb(worker.proc.pid)
    print(f"worker peak RSS {idle:.0f} -> {peak:.0f} MB for a {len(body) / 2**20:.0f} MiB "
          f"flat JSON array, checked in {time.monotonic() - started:.0f} s")

    assert done["status"] == "ready", _rejection(worker_settings, created["id"])
    assert peak - idle < GROWTH_LIMIT_MB


@pytest.mark.slow
def test_a_deeply_nested_json_array_is_rejected_with_a_reason(
    files_url, auth_url, start_worker, worker_settings
):
    depth = 4_000_000
    account = new_account(auth_url)
    created = upload(files_url, account, b"[" * depth + b"]" * depth, "deep.json").json()
    assert created["content_type"] == "application/json", created

    start_worker()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), timeout=60,
                    what="file processed")

    assert done["status"] == "rejected"
    status, reason = _rejection(worker_settings, created["id"])
    from worker.inspection import MAX_JSON_DEPTH

    assert reason == f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    [(job_status,)] = query(worker_settings, "SELECT status FROM jobs WHERE type = 'process_file'")
    assert job_status == "succeeded"  # a verdict on the file, not a failed job


def test_valid_json_is_still_ready_and_broken_json_still_rejected(
    files_url, auth_url, start_worker, worker_settings
):
    account = new_account(auth_url)
    good = upload(files_url, account, b'\xef\xbb\xbf{"a": [1, 2.5, "\xc3\xa9", null, true]}',
                  "good.json").json()
    # Longer than the sniff window, so only the worker sees the second document.
    trailing = upload(files_url, account, b'{"a": 1} {"b": "' + b"x" * 9000 + b'"}',
                      "two.json").json()
    # ijson's C backend crashed the worker (segfault) after a few of these.
    digits = [upload(files_url, account, b"[" + b"1" * 9000 + b"]", f"n{i}.json").json()
              for i in range(4)]
    worker = start_worker()
    for created, expected in ((good, "ready"), (trailing, "rejected"),
                              *((d, "rejected") for d in digits)):
        done = wait_for(lambda c=created: file_status(files_url, account, c["id"]),
                        what="file processed")
        assert done["status"] == expected, (created, done)
    _, reason = _rejection(worker_settings, digits[0]["id"])
    assert reason == "not valid JSON: a run of more than 4000 digits"
    assert worker.proc.poll() is None


def test_an_unexpected_failure_ends_the_file_rejected(
    files_url, auth_url, start_worker, worker_settings
):
    account = new_account(auth_url)
    created = upload(files_url, account, b"some text").json()
    # A row the storage refuses to resolve: ValueError, not an error worth a retry.
    query(worker_settings, "UPDATE files SET storage_key = 'not/a key' WHERE id = %s", created["id"])

    start_worker()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file rejected")

    assert done["status"] == "rejected"
    _, reason = _rejection(worker_settings, created["id"])
    assert reason == "processing failed: unexpected error (ValueError)"
    [(job_status, error)] = query(worker_settings,
                                  "SELECT status, error FROM jobs WHERE type = 'process_file'")
    assert (job_status, error) == ("failed", "unexpected error (ValueError)")


def test_a_transient_failure_on_the_last_try_ends_the_file_rejected(
    files_url, auth_url, start_worker, worker_settings
):
    account = new_account(auth_url)
    created = upload(files_url, account, b"some text").json()
    [(key,)] = query(worker_settings, "SELECT storage_key FROM files WHERE id = %s", created["id"])
    # The object's path is a directory: every read is an OSError (storage unavailable).
    path = Path(worker_settings.storage_local_dir) / key
    path.unlink()
    path.mkdir()
    try:
        start_worker()
        done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file rejected")
    finally:
        shutil.rmtree(path)

    assert done["status"] == "rejected"
    _, reason = _rejection(worker_settings, created["id"])
    assert reason and reason.startswith(
        f"processing failed: gave up after {worker_settings.worker_max_tries} tries"), reason
    [(job_status, attempts)] = query(
        worker_settings, "SELECT status, attempts FROM jobs WHERE type = 'process_file'")
    assert (job_status, attempts) == ("failed", worker_settings.worker_max_tries)
