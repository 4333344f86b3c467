from __future__ import annotations

from admin_service.jobs.models import Job
from saaskit.problems import not_found


def job_of_owner(job_id: int, owner_id: int) -> Job:
    job = Job.objects.filter(pk=job_id, owner_id=owner_id).first()
    if job is None:
        raise not_found("job")
    return job
