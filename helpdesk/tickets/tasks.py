"""Background work on tickets: thin tasks that load by id and call a service.

Both tasks are idempotent (a redelivered task sends nothing twice), so they run with late
acknowledgement and retry with exponential backoff on delivery errors, up to a cap; the last
failure is recorded on the Message for staff to see.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from helpdesk.mail.outbound import message_send

from .notices import notice_send, notices_plan
from .notifications import ticket_acknowledge

RETRY_ON = (SMTPException, OSError, ConnectionError)
MAX_RETRIES = 5


@shared_task(
    bind=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=MAX_RETRIES,
    acks_late=True,
    ignore_result=True,
)
def ticket_acknowledge_task(self, ticket_id: int, language: str | None = None) -> None:
    """Tell the customer we received their inquiry and by when to expect a reply."""
    ticket_acknowledge(
        ticket_id=ticket_id,
        language=language,
        final_attempt=self.request.retries >= self.max_retries,
    )


@shared_task(
    bind=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=MAX_RETRIES,
    acks_late=True,
    ignore_result=True,
)
def message_send_task(self, message_id: int) -> None:
    """Mail a staff answer to the customer."""
    message_send(message_id=message_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(ignore_result=True)
def outbox_requeue_task() -> None:
    """Every few minutes: enqueue again the mail whose task was lost (see outbox.py)."""
    from .outbox import outbox_overdue

    acknowledgements, answers = outbox_overdue(
        older_than_seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS
    )
    for ticket_id, language in acknowledgements:
        ticket_acknowledge_task.delay(ticket_id, language)
    for message_id in answers:
        message_send_task.delay(message_id)


@shared_task(ignore_result=True)
def notices_dispatch_task() -> None:
    """Hourly in the daytime: queue the announcement notices now due, one task per address."""
    for email in notices_plan():
        notice_send_task.delay(email)


# Rate-limited per worker process: the outbound SMTP relay accepts only so many a minute.
@shared_task(
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=MAX_RETRIES,
    acks_late=True,
    ignore_result=True,
    rate_limit=settings.NOTICE_RATE_LIMIT,
)
def notice_send_task(email: str) -> None:
    """One mail with every notice queued for this address; nothing if already sent."""
    notice_send(email=email)
