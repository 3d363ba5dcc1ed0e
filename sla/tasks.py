"""Periodic upkeep of the business calendar. Thin: each task calls one service.

The tasks that move tickets' SLA state (the sweep, the recompute after a closure changed) live
in ``helpdesk.tickets.tasks``: they work on tickets, and sla sits below tickets.
"""

from celery import shared_task
from django.utils import timezone

from .calendars import business_clock


@shared_task(ignore_result=True)
def calendar_refresh_task() -> None:
    """Keep this worker's calendar fresh and its year tables built before they are needed."""
    business_clock().next_open(timezone.now())
