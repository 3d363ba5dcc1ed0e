"""Keeping open tickets' SLA state current as time passes and the calendar changes."""

from __future__ import annotations

import datetime

from django.db import transaction

from .models import Ticket, TicketEvent
from .services import SLA_FIELDS, now_in_seconds, ticket_sla_refresh


def tickets_recompute_sla(*, batch_size: int = 500) -> int:
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


def ticket_sla_sweep(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """Bring due tickets' SLA state up to date (warning, breach). Reads the indexed
    ``next_escalation_at``; skips rows another sweeper holds."""
    now = now or now_in_seconds()
    with transaction.atomic():
        due = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(next_escalation_at__lte=now)
            .order_by("next_escalation_at")[:batch_size]
        )
        escalations = []
        for ticket in due:
            before = ticket.sla_state
            ticket_sla_refresh(ticket, now=now)
            if ticket.sla_state != before and ticket.sla_state != Ticket.SlaState.OK:
                # Reaching warning or breach is an escalation: staff see it on the ticket.
                escalations.append(
                    TicketEvent(
                        ticket=ticket,
                        kind=TicketEvent.Kind.ESCALATION,
                        old_value=before,
                        new_value=ticket.sla_state,
                        created_at=now,
                    )
                )
        Ticket.objects.bulk_update(due, SLA_FIELDS)
        TicketEvent.objects.bulk_create(escalations)
    return len(due)
