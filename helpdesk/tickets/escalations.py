"""The escalation sweep: every minute, tickets whose next escalation instant has come are
refreshed and each SLA level they reached fires once: an ``Escalation`` record (unique per
ticket, timer, level and round), an event in the conversation, and a notification for each
person the policy's rule names. The levels and thresholds come from ``sla.escalation``.

Several workers can sweep at once: each batch locks its tickets with ``SKIP LOCKED`` and is one
transaction, so a worker killed mid-batch leaves nothing half done (the next sweep redoes the
batch), and the unique constraint makes a double fire impossible. Nothing fires while the desk
is closed: notifications fall inside desk hours.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, F, Func, Value
from django.utils import translation
from django.utils.translation import gettext

from sla.calendars import business_clock
from sla.selectors import sla_targets_for
from sla.timers import timers_refresh

from .bulk_write import tickets_sla_write
from .deadlines import now_in_seconds
from .models import Escalation, StaffNotification, Ticket, TicketEvent
from .staff_notifications import RecipientResolver


@dataclass
class SweepResult:
    tickets: int = 0
    fired: int = 0
    recipient_ids: set[int] = field(default_factory=set)
    # The (next_escalation_at, pk) of the last ticket the batch took: the next batch starts
    # after it (see ``escalation_sweep``).
    last_key: tuple[datetime.datetime, int] | None = None


class _RowAfter(Func):
    """``(next_escalation_at, id) > (at, pk)``: one range of the two-column index, so a batch
    starts where the last one stopped instead of walking past the index entries of every
    ticket swept before it (dead until vacuum, and all at the same instant when a queue of
    tickets fell due at one opening)."""

    output_field = BooleanField()

    def __init__(self, at: datetime.datetime, pk: int) -> None:
        super().__init__(F("next_escalation_at"), F("id"), Value(at), Value(pk))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        compiled = [compiler.compile(expression) for expression in self.source_expressions]
        sql = "({}, {}) > ({}, {})".format(*(part for part, _params in compiled))
        return sql, tuple(param for _part, params in compiled for param in params)


def escalation_event_detail(*, timer: str, level: str, percent: int) -> str:
    """The conversation line, in the desk's language: ``一次回答: 期限間近（目標の75%）``."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("%(timer)s: %(level)s (%(percent)d%% of the target)") % {
            "timer": Escalation.Timer(timer).label,
            "level": Escalation.Level(level).label,
            "percent": percent,
        }


# Tickets a batch locks at once: about 12 ms of work (22 ms for a process's first batch) on a
# busy machine, so a staff change waits well under 50 ms for a ticket the sweep holds.
SWEEP_BATCH = 20


def escalation_sweep_batch(
    *,
    now: datetime.datetime | None = None,
    batch_size: int = SWEEP_BATCH,
    after: tuple[datetime.datetime, int] | None = None,
) -> SweepResult:
    """One batch of due tickets, in (next_escalation_at, pk) order after ``after``;
    ``tickets`` is 0 when nothing was due (or the desk is shut)."""
    now = now or now_in_seconds()
    clock = business_clock()
    result = SweepResult()
    if not clock.is_open(now):
        return result
    candidates = Ticket.objects.filter(next_escalation_at__lte=now)
    if after is not None:
        candidates = candidates.filter(_RowAfter(*after))
    # Most minutes nothing is due: one indexed read, without the BEGIN and COMMIT round trips.
    if not candidates.exists():
        return result
    resolver = RecipientResolver()
    with transaction.atomic():
        due = list(
            candidates.select_for_update(skip_locked=True, of=("self",)).order_by(
                "next_escalation_at", "id"
            )[:batch_size]
        )
        if not due:
            return result
        last = due[-1]
        if last.next_escalation_at is not None:  # it is: the filter above
            result.last_key = (last.next_escalation_at, last.pk)
        fired_before = set(
            Escalation.objects.filter(ticket__in=due).values_list(
                "ticket_id", "timer", "level", "timer_started_at"
            )
        )
        escalations: list[Escalation] = []
        events: list[TicketEvent] = []
        notifications: list[StaffNotification] = []
        for ticket in due:
            targets = sla_targets_for(priority=ticket.priority, category=ticket.category)
            schedule = timers_refresh(ticket, clock=clock, targets=targets, now=now)
            ticket.next_escalation_at = schedule.next_at
            for crossing in schedule.reached:
                if (ticket.pk, *crossing.key) in fired_before:
                    continue
                escalations.append(
                    Escalation(
                        ticket=ticket,
                        timer=crossing.timer,
                        level=crossing.level,
                        timer_started_at=crossing.timer_started_at,
                        fired_at=now,
                    )
                )
                events.append(
                    TicketEvent(
                        ticket=ticket,
                        kind=TicketEvent.Kind.ESCALATION,
                        old_value=crossing.timer,
                        new_value=crossing.level,
                        detail=escalation_event_detail(
                            timer=crossing.timer,
                            level=crossing.level,
                            percent=targets.escalation.percent(crossing.level),
                        ),
                        created_at=now,
                    )
                )
                codes = targets.escalation.recipients[crossing.level]
                for recipient_id in resolver.resolve(codes, ticket):
                    notifications.append(
                        StaffNotification(
                            recipient_id=recipient_id,
                            kind=StaffNotification.Kind.ESCALATION,
                            ticket=ticket,
                            timer=crossing.timer,
                            level=crossing.level,
                            created_at=now,
                        )
                    )
                    result.recipient_ids.add(recipient_id)
        tickets_sla_write(due)
        Escalation.objects.bulk_create(escalations)
        TicketEvent.objects.bulk_create(events)
        StaffNotification.objects.bulk_create(notifications)
    result.tickets = len(due)
    result.fired = len(escalations)
    return result


def escalation_sweep(
    *, now: datetime.datetime | None = None, batch_size: int = SWEEP_BATCH, max_batches: int = 500
) -> SweepResult:
    """Batches until nothing is due (or ``max_batches``; the next run picks up the rest).

    Each batch starts after the last ticket of the one before: a swept ticket's next
    escalation lies ahead of ``now``, and one another sweeper held locked (skipped) is that
    sweeper's, or the next run's."""
    total = SweepResult()
    after = None
    for _batch in range(max_batches):
        result = escalation_sweep_batch(now=now, batch_size=batch_size, after=after)
        after = result.last_key
        total.tickets += result.tickets
        total.fired += result.fired
        total.recipient_ids |= result.recipient_ids
        if result.tickets < batch_size:
            break
    return total


def tickets_sla_sweep(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """One batch; returns how many tickets were due (kept for callers of the old sweep)."""
    return escalation_sweep_batch(now=now, batch_size=batch_size).tickets
