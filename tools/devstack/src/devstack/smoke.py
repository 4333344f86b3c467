"""``devstack smoke``: walk the running stack the way a user would, over HTTP.

Register, log in, /auth/me; a post with a comment and the overview; a 10 MiB upload
processed to ``ready`` and downloaded byte for byte; an ``export_posts`` job to
``succeeded`` and its file downloaded; the same token on the Django twin.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
import zipfile

import httpx
from rich.console import Console

console = Console()

AUTH = "http://127.0.0.1:8001"
RESOURCES = "http://127.0.0.1:8002"
FILES = "http://127.0.0.1:8003"
DJANGO = "http://127.0.0.1:8000"


def _check(label: str, response: httpx.Response, status: int) -> dict:
    if response.status_code != status:
        raise SystemExit(f"{label}: expected {status}, got {response.status_code}: {response.text[:300]}")
    console.print(f"[green]ok[/] {label} ({response.status_code})")
    return response.json() if response.content and "json" in response.headers.get("content-type", "") else {}


def _wait(label: str, url: str, headers: dict, done: set[str], timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = httpx.get(url, headers=headers).json()
        if body.get("status") in done:
            console.print(f"[green]ok[/] {label}: {body['status']}")
            return body
        if time.monotonic() > deadline:
            raise SystemExit(f"{label}: still {body.get('status')} after {timeout}s")
        time.sleep(0.25)


def _ten_mib_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("random.bin", os.urandom(10 * 1024 * 1024))
    return buffer.getvalue()


def run(auth: str = AUTH, resources: str = RESOURCES, files: str = FILES, django: str = DJANGO) -> None:
    """The journey against these base URLs; the Django twin serves the whole API, so
    passing its URL for all four walks the journey on Django alone."""
    AUTH, RESOURCES, FILES, DJANGO = auth, resources, files, django  # noqa: N806 - the journey's names
    name = f"smoke_{uuid.uuid4().hex[:8]}"
    password = "correct horse 9"
    _check("health of auth", httpx.get(f"{AUTH}/healthz"), 200)
    _check("register", httpx.post(f"{AUTH}/auth/register", json={
        "email": f"{name}@example.com", "username": name, "password": password}), 201)
    tokens = _check("login", httpx.post(f"{AUTH}/auth/token",
                                        data={"username": name, "password": password}), 200)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = _check("me", httpx.get(f"{AUTH}/auth/me", headers=headers), 200)

    post = _check("create a post", httpx.post(f"{RESOURCES}/posts", headers=headers,
                                              json={"title": "Hello", "body": "from the smoke test"}), 201)
    _check("comment on it", httpx.post(f"{RESOURCES}/posts/{post['id']}/comments", headers=headers,
                                       json={"body": "first"}), 201)
    overview = _check("overview", httpx.get(f"{RESOURCES}/users/{me['id']}/overview", headers=headers), 200)
    assert overview["posts"][0]["comments"][0]["body"] == "first"

    payload = _ten_mib_zip()
    started = time.monotonic()
    uploaded = _check("upload 10 MiB", httpx.post(f"{FILES}/files", headers=headers, timeout=60,
                                                  files={"file": ("smoke.zip", payload, "application/zip")}), 201)
    console.print(f"   uploaded in {time.monotonic() - started:.2f}s")
    ready = _wait("file processing", f"{FILES}/files/{uploaded['id']}", headers, {"ready", "rejected"})
    assert ready["status"] == "ready" and ready["sha256"] == hashlib.sha256(payload).hexdigest()
    # With S3 storage the download is a 307 to a presigned URL: follow it, as a browser does.
    download = httpx.get(f"{FILES}/files/{uploaded['id']}/download", headers=headers, timeout=60,
                         follow_redirects=True)
    assert download.content == payload, "downloaded bytes differ"
    console.print("[green]ok[/] download is byte-identical")

    job = _check("queue export_posts", httpx.post(f"{RESOURCES}/jobs", headers=headers,
                                                  json={"type": "export_posts"}), 202)
    finished = _wait("export job", f"{RESOURCES}/jobs/{job['id']}", headers, {"succeeded", "failed"})
    assert finished["status"] == "succeeded", finished
    export = httpx.get(f"{FILES}/files/{finished['result']['file_id']}/download", headers=headers,
                       follow_redirects=True)
    assert export.json()["posts"][0]["title"] == "Hello"
    console.print("[green]ok[/] exported file downloads")

    twin = _check("the same token on the Django twin", httpx.get(f"{DJANGO}/users/{me['id']}",
                                                                 headers=headers), 200)
    assert twin["username"] == name
    console.print("[bold green]The stack works end to end.[/]")
