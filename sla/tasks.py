"""Periodic upkeep of the business calendar. Thin: each task calls one service.

The tasks that move tickets' SLA state (the sweep, the recompute after a closure changed) live
in ``helpdesk.tickets.tasks``: they work on tickets, and sla sits below tickets.
"""

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


@shared_task(ignore_result=True, expires=50)
def outage_recorder_task() -> None:
    """Every minute, if ``OUTAGE_RECORDER_URL`` is set: probe it and keep the outage records."""
    if not settings.OUTAGE_RECORDER_URL:
        return
    ok, detail = http_probe(settings.OUTAGE_RECORDER_URL)
    outage_monitor_record(ok=ok, detail=f"{settings.OUTAGE_RECORDER_URL}: {detail}")
