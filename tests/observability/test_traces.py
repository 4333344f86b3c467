"""One trace from the HTTP request to the job, on both stacks: the service's server span,
its SQL, the enqueue (producer) span, and the worker's job span (a child of the enqueue)
with its own SQL and its storage write; every process under its own ``service.name``.
The spans are the ones the real processes exported over OTLP/HTTP to the suite's
receiver."""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.contract.stacks import Stack
from tests.observability.otlp_receiver import Span
from tests.support.api import new_account
from tests.worker.conftest import wait_for

WEB_SERVICE = {"fastapi": {"jobs": "resources", "files": "files"}, "django": {"jobs": "admin", "files": "admin"}}


def _is_sql(span: Span) -> bool:
    return span.kind == "CLIENT" and (
        span.attributes.get("db.system") == "postgresql" or span.attributes.get("db.system.name") == "postgresql"
    )


def _descendants(spans: list[Span], root: Span) -> list[Span]:
    children: dict[str, list[Span]] = {}
    for span in spans:
        children.setdefault(span.parent_id, []).append(span)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop().span_id, []):
            found.append(child)
            todo.append(child)
    return found


def _assert_request_to_job_trace(receiver, service: str, job_type: str, job_id: int | None) -> Span:
    def complete_trace(spans: list[Span]):
        for producer in spans:
            if (producer.kind == "PRODUCER" and producer.service == service
                    and producer.attributes.get("job.type") == job_type
                    and job_id in (None, producer.attributes.get("job.id"))):
                trace = [s for s in spans if s.trace_id == producer.trace_id]
                consumers = [s for s in trace if s.kind == "CONSUMER" and s.parent_id == producer.span_id]
                done = [c for c in consumers if any(s.name == "storage write" for s in _descendants(trace, c))]
                if done:
                    return producer, done[0], trace
        return None

    producer, job, trace = receiver.wait_for(complete_trace, what=f"the {job_type} trace of {service}")
    by_id = {s.span_id: s for s in trace}
    [server] = [s for s in trace if s.kind == "SERVER" and s.parent_id == ""]
    assert server.service == service
    assert producer in _descendants(trace, server)
    assert any(_is_sql(s) and s.service == service for s in _descendants(trace, server))
    assert job.service == "worker" and job.name == job_type
    assert by_id[job.parent_id] == producer
    in_job = _descendants(trace, job)
    assert any(_is_sql(s) for s in in_job), [s.name for s in in_job]
    assert any(s.name == "storage write" and s.service == "worker" for s in in_job)
    # The standard resource variables are honoured, and nothing arrives as "saas".
    assert {s.resource.get("deployment.environment") for s in trace} == {"test"}
    return job


def test_export_job_continues_the_request_trace(obs_stack: Stack, receiver, obs_logs):
    _, spans = receiver
    owner = new_account(obs_stack.auth)
    response = obs_stack.post("/jobs", json={"type": "export_posts"}, headers=owner.headers)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    wait_for(lambda: obs_stack.get(f"/jobs/{job_id}", headers=owner.headers).json()["status"] == "succeeded",
             what="the export job")
    job = _assert_request_to_job_trace(spans, WEB_SERVICE[obs_stack.name]["jobs"], "export_posts", job_id)
    # The worker's log line about this job carries the job span's ids.
    lines = [json.loads(line) for line in (obs_logs / "worker.log").read_text().splitlines() if line.startswith("{")]
    [ended] = [line for line in lines if line.get("event") == "job try ended" and line.get("job_id") == job_id]
    assert (ended["trace_id"], ended["span_id"]) == (job.trace_id, job.span_id)


def test_upload_and_its_processing_are_one_trace(obs_stack: Stack, receiver):
    _, spans = receiver
    owner = new_account(obs_stack.auth)
    png = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(png, "PNG")  # an image: the job writes its thumbnail
    response = obs_stack.post("/files", files={"file": ("teal.png", png.getvalue(), "image/png")},
                              headers=owner.headers)
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    wait_for(lambda: obs_stack.get(f"/files/{file_id}", headers=owner.headers).json()["status"] == "ready",
             what="the processed upload")
    service = WEB_SERVICE[obs_stack.name]["files"]
    _assert_request_to_job_trace(spans, service, "process_file", None)
    upload_writes = [s for s in spans.snapshot() if s.name == "storage write" and s.service == service]
    assert upload_writes, "the upload's own storage write is traced"


def test_every_process_names_itself(receiver, fastapi_obs, django_obs, worker_obs):
    _, spans = receiver
    names = spans.wait_for(
        lambda got: {s.service for s in got} >= {"auth", "resources", "files", "admin", "worker"} and got,
        what="spans of every process")
    assert {s.service for s in names} <= {"auth", "resources", "files", "admin", "worker"}
