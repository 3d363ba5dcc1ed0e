"""Background work on tickets: thin tasks that load by id and call a service.

The send tasks are idempotent (a redelivered task sends nothing twice), so they run with late
acknowledgement and retry with exponential backoff on delivery errors, up to a cap; the last
failure is recorded on the Message for staff to see. The SLA tasks keep every open ticket's
deadlines and state current; sla schedules them by name (sla sits below tickets).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from .deadlines import recompute_ranges, tickets_sla_recompute
from .escalations import escalation_sweep
from .notices import notice_send, notices_plan
from .notifications import ticket_acknowledge
from .outbound import SEND_ERRORS, message_send
from .outbox import outbox_overdue
from .staff_notifications import staff_digest_send

# Every task that mails a customer retries the same way: on delivery errors, with backoff, at
# most SEND_MAX_RETRIES times; the last attempt marks the Message failed.
SEND_MAX_RETRIES = 5
SEND_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "autoretry_for": SEND_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": SEND_MAX_RETRIES,
    "acks_late": True,
    "ignore_result": True,
}


@shared_task(**SEND_TASK_OPTIONS)
def ticket_acknowledge_task(self, ticket_id: int, language: str | None = None) -> None:
    """Tell the customer we received their inquiry and by when to expect a reply."""
    ticket_acknowledge(
        ticket_id=ticket_id,
        language=language,
        final_attempt=self.request.retries >= self.max_retries,
    )


@shared_task(**SEND_TASK_OPTIONS)
def message_send_task(self, message_pk: int) -> None:
    """Mail a staff answer to the customer."""
    message_send(message_pk=message_pk, final_attempt=self.request.retries >= self.max_retries)


@shared_task(ignore_result=True)
def outbox_requeue_task() -> None:
    """Every few minutes: enqueue again the mail whose task was lost (see outbox.py)."""
    acknowledgements, answers = outbox_overdue(
        older_than_seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS
    )
    for ticket_id, language in acknowledgements:
        ticket_acknowledge_task.delay(ticket_id, language)
    for message_pk in answers:
        message_send_task.delay(message_pk)


@shared_task(ignore_result=True, acks_late=True)
def escalation_sweep_task() -> None:
    """Every minute: fire the escalation levels that have come due, then one digest mail per
    person told (not one per ticket)."""
    result = escalation_sweep()
    for user_id in sorted(result.recipient_ids):
        staff_digest_task.delay(user_id)


@shared_task(**SEND_TASK_OPTIONS)
def staff_digest_task(self, user_id: int) -> None:
    """Mail a staff member their new notifications in one message."""
    staff_digest_send(user_id=user_id)


# A part of the recompute per task run, well inside the task's soft time limit (60 s): a desk
# with 200,000 open tickets needs longer, and a task killed at its limit would start over.
RECOMPUTE_SLICE_SECONDS = 30.0


@shared_task(ignore_result=True, acks_late=True)
def tickets_sla_recompute_task(after_pk: int | None = None, before_pk: int | None = None) -> None:
    """After a closure day changed: move open tickets' deadlines.

    Called without a range, it splits the open tickets into ``SLA_RECOMPUTE_PARTS`` ranges and
    queues one task for each, so every worker process takes a share. A ranged task works for
    at most ``RECOMPUTE_SLICE_SECONDS`` and queues the rest of its range after the last primary
    key it finished (a redelivered task redoes at most its own slice; the work is idempotent).
    """
    if after_pk is None:
        for part in recompute_ranges(parts=settings.SLA_RECOMPUTE_PARTS):
            tickets_sla_recompute_task.delay(part.after_pk, part.before_pk)
        return
    progress = tickets_sla_recompute(
        after_pk=after_pk, before_pk=before_pk, time_budget=RECOMPUTE_SLICE_SECONDS
    )
    if not progress.done:
        tickets_sla_recompute_task.delay(progress.last_pk, before_pk)


@shared_task(ignore_result=True)
def notices_dispatch_task() -> None:
    """Hourly in the daytime: queue the announcement notices now due, one task per address."""
    for email in notices_plan():
        notice_send_task.delay(email)


# Rate-limited per worker process: the outbound SMTP relay accepts only so many a minute.
@shared_task(**{**SEND_TASK_OPTIONS, "bind": False, "rate_limit": settings.NOTICE_RATE_LIMIT})
def notice_send_task(email: str) -> None:
    """One mail with every notice queued for this address; nothing if already sent."""
    notice_send(email=email)
