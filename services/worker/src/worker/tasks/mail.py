"""One email per job, through the outbox: a row per job (unique ``job_id``), and with
``APP_EMAIL_BACKEND=smtp`` the mail is sent once, unless a try dies between the SMTP
transaction and recording ``sent_at`` (then it is sent again: mail is at-least-once).

The row is written before sending and a retry sends the row's text, not a new one, so
every try of a job sends the same message (the same link, for the account emails).
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from saaskit.db.schema import email_outbox
from saaskit.settings import Settings
from saaskit.timeutil import utcnow
from worker.context import WorkerContext
from worker.lifecycle import JobRow, PermanentError, TransientError


async def _send(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        await aiosmtplib.send(
            message, hostname=settings.smtp_host, port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            start_tls=settings.smtp_starttls, timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500:
            raise PermanentError(f"the mail server refused the message: {exc.code}") from exc
        raise TransientError(f"the mail server answered {exc.code}") from exc


async def deliver(worker: WorkerContext, job: JobRow, to: str, subject: str, body: str) -> dict[str, int]:
    """Record the job's mail (first try only) and send it if it is not sent yet."""
    settings = worker.settings
    async with worker.engine.begin() as conn:
        await conn.execute(
            insert(email_outbox)
            .values(job_id=job.id, to_address=to, subject=subject, body=body)
            .on_conflict_do_nothing(index_elements=["job_id"])
        )
        mail = (await conn.execute(
            select(email_outbox.c.id, email_outbox.c.to_address, email_outbox.c.subject,
                   email_outbox.c.body, email_outbox.c.sent_at)
            .where(email_outbox.c.job_id == job.id)
        )).one()
    if settings.email_backend == "smtp" and mail.sent_at is None:
        await _send(settings, mail.to_address, mail.subject, mail.body)
        async with worker.engine.begin() as conn:
            await conn.execute(
                update(email_outbox).where(email_outbox.c.id == mail.id).values(sent_at=utcnow())
            )
    return {"outbox_id": mail.id}
