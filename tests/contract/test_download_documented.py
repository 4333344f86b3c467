"""Contract (issue 26.11): ``GET /files/{id}/download`` serves what each stack's OpenAPI
document says it serves. A posts export (made by a real worker process) is downloaded as
``application/json``, and so are an uploaded JSON file, a text file and an image each as
its own type: the served ``Content-Type`` must be one the document names for that
route's 200 (not only the ``*/*`` catch-all), and a JSON body must validate against the
schema declared for it (schemathesis' stateful phase found Django's export download
checked against ``string/binary``)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jsonschema
import pytest

from tests.contract.stacks import Stack
from tests.contract.test_account_lifecycle import sink, worker  # noqa: F401 - the worker runs here too
from tests.contract.test_files_and_jobs import PNG, upload
from tests.support.api import new_account

DEADLINE = 30.0
PATH = "/files/{id}/download"


def _declared(stack: Stack) -> dict[str, Any]:
    document = httpx.get(stack.urls["files"] + "/openapi.json", timeout=15).json()
    content = document["paths"][PATH]["get"]["responses"]["200"]["content"]
    return {"content": content, "components": document.get("components", {})}


def _schema(declared: dict[str, Any], media_type: str) -> dict[str, Any]:
    # Refs resolve against the document's components, as a validator of it would.
    return {**declared["content"][media_type]["schema"], "components": declared["components"]}


def _export_file_id(stack: Stack, account) -> str:
    response = stack.post("/jobs", json={"type": "export_posts"}, headers=account.headers)
    assert response.status_code == 202, response.text
    job_url = f"/jobs/{response.json()['id']}"
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        job = stack.get(job_url, headers=account.headers).json()
        if job["status"] in ("succeeded", "failed"):
            assert job["status"] == "succeeded", job
            return job["result"]["file_id"]
        time.sleep(0.2)
    raise AssertionError(f"the export did not finish within {DEADLINE} s")


def _served(stack: Stack, account, file_id: str) -> httpx.Response:
    response = stack.get(f"/files/{file_id}/download", headers=account.headers, follow_redirects=True)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.slow
def test_every_download_is_of_a_type_and_schema_the_document_declares(stack):
    declared = _declared(stack)
    account = new_account(stack.auth)
    post = stack.post("/posts", json={"title": "exported", "body": "b"}, headers=account.headers)
    assert post.status_code == 201
    assert stack.post(f"/posts/{post.json()['id']}/comments", json={"body": "c"},
                      headers=account.headers).status_code == 201

    downloads = {"export": _served(stack, account, _export_file_id(stack, account))}
    for name, content in (("data.json", b'[1, "two", {"three": 3}]'), ("notes.txt", b"hello"),
                          ("pixel.png", PNG)):
        made = upload(stack, account, content, name=name)
        assert made.status_code == 201, made.text
        downloads[name] = _served(stack, account, made.json()["id"])

    seen = {}
    for name, response in downloads.items():
        media_type = response.headers["content-type"].split(";")[0].strip()
        seen[name] = media_type
        assert media_type in declared["content"], (name, media_type, sorted(declared["content"]))
        if media_type == "application/json":
            jsonschema.validate(response.json(), _schema(declared, media_type))
    print(f"{stack.name}: served {seen}; declared {sorted(declared['content'])}")
    assert seen["export"] == "application/json"
    export = downloads["export"].json()
    assert export["posts"][0]["title"] == "exported"
    assert export["posts"][0]["comments"][0]["body"] == "c"
