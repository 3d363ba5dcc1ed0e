"""Periodic upkeep of the business calendar and the tickets' SLA timers. Thin: each task calls
one service."""

from celery import current_app, shared_task
from django.utils import timezone

from .calendars import business_clock


@shared_task(ignore_result=True)
def calendar_refresh_task() -> None:
    """Keep this worker's calendar fresh and its year tables built before they are needed."""
    business_clock().next_open(timezone.now())


@shared_task(ignore_result=True)
def tickets_sla_recompute_task() -> None:
    """After a closure day changed: the tickets app moves every open ticket's deadlines in
    resumable parts (each part re-enqueues the rest)."""
    # Imported here as before this change: sla sits below tickets, and this forwarder is the
    # one place it names the tickets app (a signal would hide the same dependency).
    from helpdesk.tickets.tasks import deadlines_recompute_task

    deadlines_recompute_task()


@shared_task(ignore_result=True)
def sla_sweep_task() -> None:
    """Kept for schedules written before the escalation sweep moved to the tickets app."""
    current_app.send_task("helpdesk.tickets.tasks.escalation_sweep_task")
