"""Periodic upkeep of the business calendar and the tickets' SLA timers. Thin: each task calls
one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from helpdesk.core.http import http_probe

from .calendars import business_clock
from .services import outage_monitor_record


@shared_task(ignore_result=True)
def calendar_refresh_task() -> None:
    """Keep this worker's calendar fresh and its year tables built before they are needed."""
    business_clock().next_open(timezone.now())


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def tickets_sla_recompute_task() -> None:
    """After a closure day changed: move every open ticket's deadlines (in batches)."""
    from helpdesk.tickets.deadlines import tickets_recompute_sla

    tickets_recompute_sla()


@shared_task(ignore_result=True)
def sla_sweep_task() -> None:
    """Every minute: tickets whose warning or breach instant has come get their new state."""
    from helpdesk.tickets.deadlines import ticket_sla_sweep

    # A bounded number of batches per run; the next run picks up whatever is left.
    for _batch in range(50):
        if ticket_sla_sweep() == 0:
            break


@shared_task(ignore_result=True, expires=50)
def outage_recorder_task() -> None:
    """Every minute, if ``OUTAGE_RECORDER_URL`` is set: probe it and keep the outage records."""
    if not settings.OUTAGE_RECORDER_URL:
        return
    ok, detail = http_probe(settings.OUTAGE_RECORDER_URL)
    outage_monitor_record(ok=ok, detail=f"{settings.OUTAGE_RECORDER_URL}: {detail}")
