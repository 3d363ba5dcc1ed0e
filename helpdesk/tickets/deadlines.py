"""Keeping tickets' SLA state current: one ticket as its facts change, and every open ticket as
time passes and the calendar changes."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from sla.calendars import business_clock
from sla.selectors import sla_targets_for
from sla.timers import timers_refresh

from .models import Ticket

# The columns ``ticket_sla_refresh`` writes: what a bulk update of refreshed tickets saves.
SLA_FIELDS = [
    "first_response_due",
    "next_response_due",
    "resolution_due",
    "business_seconds_consumed",
    "sla_state",
    "next_escalation_at",
]


def now_in_seconds() -> datetime.datetime:
    """Now, in whole seconds: the business clock counts seconds."""
    return timezone.now().replace(microsecond=0)


def ticket_sla_refresh(ticket: Ticket, *, now: datetime.datetime | None = None) -> None:
    """Recompute the ticket's deadlines and SLA state in place (the caller saves)."""
    timers_refresh(
        ticket,
        clock=business_clock(),
        targets=sla_targets_for(priority=ticket.priority, category=ticket.category),
        now=now or now_in_seconds(),
    )


def tickets_sla_recompute(*, batch_size: int = 500) -> int:
    """Refresh every active ticket's deadlines, e.g. after a closure day was added or removed.

    Works in batches by primary key, each in its own short transaction with the rows locked,
    so a large desk never holds one long lock. Returns how many tickets were refreshed.
    """
    active = [status for status in Ticket.Status.values if status not in ("resolved", "closed")]
    last_pk = 0
    refreshed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(skip_locked=False)
                .filter(status__in=active, pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return refreshed
            now = now_in_seconds()
            for ticket in batch:
                ticket_sla_refresh(ticket, now=now)
            Ticket.objects.bulk_update(batch, SLA_FIELDS)
        refreshed += len(batch)
        last_pk = batch[-1].pk


def tickets_sla_sweep(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """Bring due tickets' SLA state up to date (warning, breach). Reads the indexed
    ``next_escalation_at``; skips rows another sweeper holds."""
    now = now or now_in_seconds()
    with transaction.atomic():
        due = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(next_escalation_at__lte=now)
            .order_by("next_escalation_at")[:batch_size]
        )
        for ticket in due:
            ticket_sla_refresh(ticket, now=now)
        Ticket.objects.bulk_update(due, SLA_FIELDS)
    return len(due)
