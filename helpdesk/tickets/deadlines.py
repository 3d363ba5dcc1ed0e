"""Keeping open tickets' SLA state current as the calendar changes.

After a closure day is added or removed every active ticket's deadlines move. This runs over
them in primary-key order, in batches: each batch is read without locks, computed in Python
(the clock is microseconds a call), and written in one statement (``bulk_write``) that skips
any ticket a service changed in between. So no row is locked for longer than that one
statement, and a run stopped at any point (a time limit, a killed worker) resumes from the
last primary key it finished: see ``RecomputeProgress``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .bulk_write import tickets_sla_write
from .models import INACTIVE_STATUSES, Ticket
from .services import now_in_seconds, ticket_sla_refresh

# What ``timers_refresh`` reads; loading only these keeps a batch cheap to build.
FACT_FIELDS = (
    "id",
    "status",
    "priority",
    "category",
    "received_at",
    "first_responded_at",
    "next_response_started_at",
    "next_response_pause_offset",
    "resolved_at",
    "sla_paused_since",
    "paused_business_seconds",
    "updated_at",
)


@dataclass(frozen=True)
class RecomputeProgress:
    refreshed: int
    last_pk: int  # continue with the tickets after this one
    done: bool


def tickets_recompute_sla(
    *, after_pk: int = 0, batch_size: int = 2000, time_budget: float | None = None
) -> RecomputeProgress:
    """Refresh every active ticket's deadlines after primary key ``after_pk``.

    Stops early, not done, once ``time_budget`` seconds have passed, so a task can hand the
    rest to its next run well inside its time limit."""
    started = time.monotonic()
    last_pk = after_pk
    refreshed = 0
    while True:
        batch = list(
            Ticket.objects.exclude(status__in=INACTIVE_STATUSES)
            .filter(pk__gt=last_pk)
            .only(*FACT_FIELDS)
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return RecomputeProgress(refreshed, last_pk, True)
        now = now_in_seconds()
        for ticket in batch:
            ticket_sla_refresh(ticket, now=now)
        tickets_sla_write(batch, unchanged_since=[ticket.updated_at for ticket in batch])
        refreshed += len(batch)
        last_pk = batch[-1].pk
        if time_budget is not None and time.monotonic() - started > time_budget:
            return RecomputeProgress(refreshed, last_pk, False)
