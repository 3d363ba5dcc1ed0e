"""Background work on tickets: thin tasks that load by id and call a service.

Both tasks are idempotent (a redelivered task sends nothing twice), so they run with late
acknowledgement and retry with exponential backoff on delivery errors, up to a cap; the last
failure is recorded on the Message for staff to see.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from helpdesk.mail.outbound import message_send

from .deadlines import tickets_recompute_sla
from .escalations import escalation_sweep
from .notifications import ticket_acknowledge
from .staff_notifications import staff_digest_send

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
    from django.conf import settings

    from .outbox import outbox_overdue

    acknowledgements, answers = outbox_overdue(
        older_than_seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS
    )
    for ticket_id, language in acknowledgements:
        ticket_acknowledge_task.delay(ticket_id, language)
    for message_id in answers:
        message_send_task.delay(message_id)


@shared_task(ignore_result=True, acks_late=True)
def escalation_sweep_task() -> None:
    """Every minute: fire the escalation levels that have come due, then one digest mail per
    person told (not one per ticket)."""
    result = escalation_sweep()
    for user_id in sorted(result.recipient_ids):
        staff_digest_task.delay(user_id)


@shared_task(
    bind=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=MAX_RETRIES,
    acks_late=True,
    ignore_result=True,
)
def staff_digest_task(self, user_id: int) -> None:
    """Mail a staff member their new notifications in one message."""
    staff_digest_send(user_id=user_id)


# Well inside the 60 s soft limit: the rest goes to a fresh task.
RECOMPUTE_BUDGET_SECONDS = 30.0


@shared_task(ignore_result=True, acks_late=True)
def deadlines_recompute_task(after_pk: int = 0) -> None:
    """After a closure day changed: move open tickets' deadlines, resuming after ``after_pk``
    (a redelivered task redoes at most its own part; the work is idempotent)."""
    progress = tickets_recompute_sla(after_pk=after_pk, time_budget=RECOMPUTE_BUDGET_SECONDS)
    if not progress.done:
        deadlines_recompute_task.delay(progress.last_pk)
