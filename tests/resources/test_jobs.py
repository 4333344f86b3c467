"""POST /jobs and GET /jobs/{id}, up to ``queued`` (the worker takes it from there)."""

from __future__ import annotations

import json
from typing import cast

import httpx
import redis

from devstack.net import free_port
from resources_service.main import create_app
from saaskit.queue import JOB_KEY_PREFIX, arq_job_id
from saaskit.settings import Settings
from tests.resources.helpers import error_locs
from tests.support.problems import assert_problem
from tests.support.servers import threaded_server


def test_export_job_is_recorded_and_queued(as_alice, alice, db, redis_url, settings):
    response = as_alice.post("/jobs", json={"type": "export_posts"})
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['id']}"
    assert job == {"id": job["id"], "type": "export_posts", "status": "queued",
                   "created_at": job["created_at"], "finished_at": None, "result": None,
                   "error": None}
    row = db.execute("SELECT owner_id, type, status, payload FROM jobs WHERE id = %s",
                     (job["id"],)).fetchone()
    assert row == (alice.id, "export_posts", "queued", {})

    client = redis.Redis.from_url(redis_url)
    arq_id = arq_job_id(job["id"])
    queued = json.loads(cast(bytes, client.get(JOB_KEY_PREFIX + arq_id)))  # sync client: bytes
    assert queued["f"] == "export_posts" and queued["k"] == {"job_id": job["id"]}
    assert queued["a"] == []
    assert client.zscore(settings.queue_name, arq_id) is not None

    assert as_alice.get(f"/jobs/{job['id']}").json() == job


def test_job_status_follows_the_row(as_alice, db):
    job = as_alice.post("/jobs", json={"type": "export_posts"}).json()
    db.execute("UPDATE jobs SET status = 'succeeded', finished_at = now(), "
               "result = '{\"file_id\": \"0b7e7c43-6b5f-4b8e-9a52-3c4a2f3b8d11\"}' WHERE id = %s",
               (job["id"],))
    done = as_alice.get(f"/jobs/{job['id']}").json()
    assert done["status"] == "succeeded" and done["finished_at"].endswith("Z")
    assert done["result"] == {"file_id": "0b7e7c43-6b5f-4b8e-9a52-3c4a2f3b8d11"}


def test_only_export_posts_can_be_requested(as_alice, db):
    for body, loc in (({"type": "welcome_email"}, ["body", "type"]), ({}, ["body", "type"]),
                      ({"type": "export_posts", "payload": {"user_id": 1}}, ["body", "payload"])):
        assert error_locs(as_alice.post("/jobs", json=body)) == [loc], body
    assert db.execute("SELECT count(*) FROM jobs WHERE type = 'export_posts'").fetchone()[0] == 0
    assert_problem(as_alice.get("/jobs/4242"), 404)


def test_queue_down_is_503_with_retry_after_and_leaves_no_row(settings, alice, db):
    account = alice
    dead = Settings(**{**settings.model_dump(), "redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    with threaded_server(create_app(dead)) as url:
        # No hang: the 503 comes from the service's own Redis timeout; a hang would end in
        # this client's timeout and fail the test (how fast is not asserted: a loaded
        # machine is slow; tests/contract/test_faults.py holds the documented bound).
        response = httpx.post(f"{url}/jobs", json={"type": "export_posts"},
                              headers=account.headers, timeout=30)
    assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0
    assert db.execute("SELECT count(*) FROM jobs WHERE owner_id = %s AND type = 'export_posts'",
                      (account.id,)).fetchone()[0] == 0
