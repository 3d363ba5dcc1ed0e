"""Periodic upkeep of the business calendar and the tickets' SLA timers. Thin: each task calls
one service."""

from celery import shared_task
from django.utils import timezone

from .calendars import business_clock


@shared_task(ignore_result=True)
def calendar_refresh_task() -> None:
    """Keep this worker's calendar fresh and its year tables built before they are needed."""
    business_clock().next_open(timezone.now())


# A slice of the recompute per task run, well inside the task's soft time limit (60 s): a desk
# with 200,000 open tickets needs minutes, and a task killed at its limit would start over.
RECOMPUTE_SLICE_SECONDS = 20


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def tickets_sla_recompute_task(after_pk: int = 0) -> None:
    """After a closure day changed: move every open ticket's deadlines, a slice at a time,
    each slice enqueueing the next from where it stopped."""
    from helpdesk.tickets.deadlines import tickets_recompute_sla

    progress = tickets_recompute_sla(after_pk=after_pk, time_budget=RECOMPUTE_SLICE_SECONDS)
    if progress.resume_after_pk is not None:
        tickets_sla_recompute_task.delay(progress.resume_after_pk)


@shared_task(ignore_result=True)
def sla_sweep_task() -> None:
    """Every minute: tickets whose warning or breach instant has come get their new state."""
    from helpdesk.tickets.deadlines import ticket_sla_sweep

    # A bounded number of batches per run; the next run picks up whatever is left.
    for _batch in range(50):
        if ticket_sla_sweep() == 0:
            break
