"""Remote-support background work: the consent mail, and every minute the reminders and
expiries. Thin and idempotent: each task loads by id and calls a service that checks state."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from .mail import consent_link_send
from .services import consent_upkeep


@shared_task(
    autoretry_for=(SMTPException, OSError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
    ignore_result=True,
)
def consent_link_send_task(request_id: int, reminder: bool = False) -> None:
    """Mail the customer the link to grant or decline (or the reminder)."""
    consent_link_send(request_id=request_id, reminder=reminder)


@shared_task(ignore_result=True, acks_late=True)
def consent_upkeep_task() -> None:
    """Every minute: expire what ran out (staff told, unanswered ones escalated) and send the
    reminders that are due."""
    result = consent_upkeep()
    for request_id in result.reminders:
        consent_link_send_task.delay(request_id, True)
