"""The admin's side of the account lifecycle: who is verified, and resending the link."""

from __future__ import annotations

import redis

from tests.support.api import unique_username


def _user(verified: bool):
    from admin_service.accounts.models import User

    name = unique_username("ver")
    return User.objects.create(
        email=f"{name}@example.com", username=name, password_hash="x", email_verified=verified
    )


def test_the_users_list_shows_and_filters_on_email_verified(staff_client):
    verified, unverified = _user(True), _user(False)
    page = staff_client.get("/admin/accounts/user/", {"q": "ver_"}).content.decode()
    assert "column-email_verified" in page and "By email verified" in page
    filtered = staff_client.get(
        "/admin/accounts/user/", {"email_verified__exact": "0", "q": "ver_"}
    ).content.decode()
    assert unverified.username in filtered and verified.username not in filtered


def test_resend_verification_queues_one_email_per_unverified_active_user(staff_client, redis_url):
    # ``redis_url`` empties Redis first: arq ids are jobs row ids, and other suites' databases
    # number their rows from 1 too (a finished job:1 of theirs would make ours a duplicate).
    from admin_service.jobs.models import Job

    verified, unverified, inactive = _user(True), _user(False), _user(False)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    response = staff_client.post("/admin/accounts/user/", {
        "action": "resend_verification",
        "_selected_action": [str(u.pk) for u in (verified, unverified, inactive)],
    })
    assert response.status_code == 302
    jobs = list(Job.objects.filter(type="verification_email", owner_id__in=[
        verified.pk, unverified.pk, inactive.pk
    ]).values_list("owner_id", "payload"))
    assert jobs == [(unverified.pk, {"user_id": unverified.pk})]
    [job] = Job.objects.filter(owner_id=unverified.pk)
    assert redis.Redis.from_url(redis_url).exists(f"arq:job:job:{job.pk}") == 1
