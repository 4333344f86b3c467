"""The whole path over HTTP: POST /jobs on the resources service, the worker process,
GET /jobs/{id}, then the exported file downloaded from the files service."""

from __future__ import annotations

import json

import httpx

from tests.files.client import download
from tests.support.api import new_account
from tests.support.servers import threaded_server
from tests.worker.conftest import wait_for


def test_post_jobs_export_reaches_succeeded_and_its_file_downloads(
    files_url, auth_url, start_worker, worker_settings
):
    from resources_service.main import create_app

    account = new_account(auth_url)
    with threaded_server(create_app(worker_settings)) as resources_url:
        created = httpx.post(f"{resources_url}/posts", headers=account.headers,
                             json={"title": "hello", "body": "world"})
        assert created.status_code == 201
        start_worker()
        accepted = httpx.post(f"{resources_url}/jobs", headers=account.headers,
                              json={"type": "export_posts"})
        assert accepted.status_code == 202
        job_url = f"{resources_url}{accepted.headers['location']}"

        def succeeded():
            job = httpx.get(job_url, headers=account.headers).json()
            return job if job["status"] in ("succeeded", "failed") else None

        job = wait_for(succeeded, what="export finished")

    assert job["status"] == "succeeded" and job["error"] is None
    exported = json.loads(download(files_url, account, job["result"]["file_id"]).content)
    assert [p["title"] for p in exported["posts"]] == ["hello"]
