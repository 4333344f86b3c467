"""HTTP routes under /jobs (contract: "Background jobs")."""

from __future__ import annotations

from fastapi import APIRouter, status

from resources_service.errors import NOT_FOUND, PROBLEM_RESPONSES
from resources_service.jobs import service
from resources_service.jobs.schemas import JOB_FUNCTIONS, JobIn
from resources_service.params import Id
from resources_service.schemas import Job
from saaskit.problems import not_found
from saaskit.web.auth import CurrentUserId
from saaskit.web.deps import ConnDep, DatabaseDep, QueueDep, SettingsDep
from saaskit.web.responses import JSONBytes

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Job,
    summary="Start a job (export_posts: your posts and their comments as a JSON file)",
)
async def start_job(
    data: JobIn, db: DatabaseDep, pool: QueueDep, settings: SettingsDep, caller: CurrentUserId
) -> JSONBytes:
    job = await service.start_job(db, pool, caller, data.type, JOB_FUNCTIONS[data.type],
                                  settings.redis_timeout)
    return JSONBytes(job, status_code=202, headers={"Location": f"/jobs/{job['id']}"})


@router.get("/{id}", response_model=Job, summary="A job of yours: its status and result", responses=NOT_FOUND)
async def get_job(id: Id, conn: ConnDep, caller: CurrentUserId) -> JSONBytes:
    job = await service.get_job(conn, id, caller)
    if job is None:
        raise not_found("job")
    return JSONBytes(job)
