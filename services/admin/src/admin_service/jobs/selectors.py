from __future__ import annotations

from saaskit.problems import not_found

from admin_service.jobs.models import Job


def job_of_owner(job_id: int, owner_id: int) -> Job:
    job = Job.objects.filter(pk=job_id, owner_id=owner_id).first()
    if job is None:
        raise not_found("job")
    return job
