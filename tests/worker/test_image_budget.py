"""The pixel budget: an image declaring more pixels than ``max_image_pixels`` is rejected
from its header, and the worker's peak memory (the kernel's high-water mark of its
resident set, ``VmHWM``) stays far below what decoding it would take."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.files.client import upload
from tests.support.api import new_account
from tests.worker.conftest import query, wait_for
from tests.worker.test_process_file import file_status

# Decoded, 7000x7000 RGB is 147 MB, and the thumbnail pass took the worker from 115 to
# 500 MB; refused from the header, the worker stays near its idle size (~120 MB).
PEAK_LIMIT_MB = 250


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (10, 120, 200)).save(out, "PNG", optimize=True)
    return out.getvalue()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.mark.slow
def test_an_image_over_the_pixel_budget_is_rejected_without_decoding(
    files_url, auth_url, start_worker, worker_settings, bomb_png
):
    assert len(bomb_png) < 400_000  # small on the wire, huge decoded
    assert worker_settings.max_image_pixels < 7000 * 7000
    account = new_account(auth_url)
    created = upload(files_url, account, bomb_png, "bomb.png").json()

    worker = start_worker()
    done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file processed")
    peak = peak_rss_mb(worker.proc.pid)
    print(f"worker peak RSS {peak:.0f} MB for a {len(bomb_png) // 1000} KB 7000x7000 PNG")

    assert done["status"] == "rejected"
    [(reason, thumbnail)] = query(
        worker_settings, "SELECT rejection_reason, thumbnail_key FROM files WHERE id = %s", created["id"])
    assert reason == f"the image has 7000x7000 pixels, over the budget of {worker_settings.max_image_pixels}"
    assert thumbnail is None
    assert peak < PEAK_LIMIT_MB


@pytest.mark.slow
def test_the_budget_is_a_setting(files_url, auth_url, start_worker, worker_settings):
    account = new_account(auth_url)
    out = io.BytesIO()
    Image.new("RGB", (300, 200)).save(out, "PNG")
    created = upload(files_url, account, out.getvalue(), "small.png").json()

    start_worker(max_image_pixels=300 * 200 - 1)
    done = wait_for(lambda: file_status(files_url, account, created["id"]), what="file processed")

    assert done["status"] == "rejected"
    [(reason,)] = query(worker_settings, "SELECT rejection_reason FROM files WHERE id = %s", created["id"])
    assert reason == "the image has 300x200 pixels, over the budget of 59999"
