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


def escalation_event_detail(*, timer: str, level: str, percent: int) -> str:
    """The conversation line, in the desk's language: ``一次回答: 期限間近（目標の75%）``."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("%(timer)s: %(level)s (%(percent)d%% of the target)") % {
            "timer": Escalation.Timer(timer).label,
            "level": Escalation.Level(level).label,
            "percent": percent,
        }


# Tickets a batch locks at once: about 25 ms of work on a busy machine, so a staff change
# waits at most that long for a ticket the sweep holds.
SWEEP_BATCH = 50


def escalation_sweep_batch(
    *, now: datetime.datetime | None = None, batch_size: int = SWEEP_BATCH
) -> SweepResult:
    """One batch of due tickets; ``tickets`` is 0 when nothing was due (or the desk is shut)."""
    now = now or now_in_seconds()
    clock = business_clock()
    result = SweepResult()
    if not clock.is_open(now):
        return result
    # Most minutes nothing is due: one indexed read, without the BEGIN and COMMIT round trips.
    if not Ticket.objects.filter(next_escalation_at__lte=now).exists():
        return result
    resolver = RecipientResolver()
    with transaction.atomic():
        due = list(
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_escalation_at__lte=now)
            .order_by("next_escalation_at")[:batch_size]
        )
        if not due:
            return result
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
    *, now: datetime.datetime | None = None, batch_size: int = SWEEP_BATCH, max_batches: int = 200
) -> SweepResult:
    """Batches until nothing is due (or ``max_batches``; the next run picks up the rest)."""
    total = SweepResult()
    for _batch in range(max_batches):
        result = escalation_sweep_batch(now=now, batch_size=batch_size)
        total.tickets += result.tickets
        total.fired += result.fired
        total.recipient_ids |= result.recipient_ids
        if result.tickets < batch_size:
            break
    return total


def tickets_sla_sweep(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """One batch; returns how many tickets were due (kept for callers of the old sweep)."""
    return escalation_sweep_batch(now=now, batch_size=batch_size).tickets
