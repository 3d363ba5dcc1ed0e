"""Keeping open tickets' SLA state current as the calendar changes.

After a closure day is added or removed every active ticket's deadlines move. This runs over
them in primary-key order, in batches: each batch is read without locks, computed in Python
(the clock is microseconds a call), and the tickets whose values moved are written by short
statements (``bulk_write``) that skip any ticket a service changed in between. So no row is
locked for longer than one such statement, and a run stopped at any point (a time limit, a
killed worker) resumes from the last primary key it finished: see ``RecomputeProgress``.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from helpdesk.core.durability import relax_commit_durability, relaxed_commits_flush
from sla.calendars import business_clock, business_clock_reloaded
from sla.escalation import Schedule
from sla.selectors import sla_targets_for
from sla.timers import timers_refresh

from .bulk_write import EpochSeconds, from_epoch_seconds, tickets_sla_write
from .models import INACTIVE_STATUSES, SLA_FIELDS, Escalation, Ticket


def now_in_seconds() -> datetime.datetime:
    """Now, in whole seconds: the business clock counts seconds."""
    return timezone.now().replace(microsecond=0)


def ticket_sla_refresh(
    ticket: Ticket | TicketFacts, *, now: datetime.datetime | None = None
) -> Schedule:
    """Recompute the ticket's deadlines and SLA state in place (the caller saves); returns the
    escalation schedule they imply."""
    return timers_refresh(
        ticket,
        clock=business_clock(),
        targets=sla_targets_for(priority=ticket.priority, category=ticket.category),
        now=now or now_in_seconds(),
    )


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
    *SLA_FIELDS,
)


# What a calendar change can move. ``business_seconds_consumed`` is left out: it grows with
# every passing business second and is a snapshot anyway, refreshed whenever the ticket is.
MOVABLE_FIELDS = [name for name in SLA_FIELDS if name != "business_seconds_consumed"]


# The instants among the facts, read as whole epoch seconds: the clock counts whole seconds,
# and integers load far faster than datetimes. ``updated_at`` is read exactly, since the write
# compares it (``tickets_sla_write``'s ``unchanged_since``).
INSTANTS = frozenset(
    name
    for name in FACT_FIELDS
    if isinstance(Ticket._meta.get_field(name), models.DateTimeField) and name != "updated_at"
)


def facts_query(queryset: models.QuerySet[Ticket]) -> models.QuerySet:
    """Rows of FACT_FIELDS, instants as epoch seconds, for ``TicketFacts``."""
    epochs = {f"{name}_epoch": EpochSeconds(name) for name in INSTANTS}
    columns = [f"{name}_epoch" if name in INSTANTS else name for name in FACT_FIELDS]
    return queryset.annotate(**epochs).values_list(*columns)


def _sla_values(ticket: Ticket | TicketFacts) -> tuple:
    return tuple(getattr(ticket, name) for name in MOVABLE_FIELDS)


class TicketFacts:
    """A ticket's SLA facts and fields as plain attributes, for ``timers_refresh``: building
    one from a row costs a third of a model instance, which counts at 200,000 tickets."""

    __slots__ = ("pk", *FACT_FIELDS[1:])
    SlaState = Ticket.SlaState

    # The slots, typed as the model fields they are read from (one per name in FACT_FIELDS).
    pk: int
    status: str
    priority: str
    category: str
    received_at: datetime.datetime
    first_responded_at: datetime.datetime | None
    next_response_started_at: datetime.datetime | None
    next_response_pause_offset: int
    resolved_at: datetime.datetime | None
    sla_paused_since: datetime.datetime | None
    paused_business_seconds: int
    updated_at: datetime.datetime
    first_response_due: datetime.datetime | None
    next_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    business_seconds_consumed: int
    sla_state: str
    next_escalation_at: datetime.datetime | None
    escalation_level: int

    def __init__(self, row: tuple, tz: datetime.tzinfo) -> None:
        """From a row of ``facts_query``: instants come as epoch seconds (see ``INSTANTS``)."""
        self.pk = row[0]
        for name, value in zip(FACT_FIELDS[1:], row[1:], strict=True):
            setattr(self, name, from_epoch_seconds(value, tz) if name in INSTANTS else value)

    @property
    def is_active(self) -> bool:
        return self.status not in INACTIVE_STATUSES


# Rows an UPDATE writes at once: about 10–25 ms a statement on a busy machine, so no ticket's
# row lock lasts longer than the 50 ms a staff change may wait.
WRITE_CHUNK = 100


@dataclass(frozen=True)
class RecomputeProgress:
    refreshed: int  # tickets looked at
    last_pk: int  # continue with the tickets after this one
    done: bool
    written: int = 0  # tickets whose values moved


def _skip_levels_already_fired(batch: list[TicketFacts], schedules: list[Schedule]) -> None:
    """``timers_refresh`` marks a ticket with escalation levels already reached as due at the
    next opening, since it cannot know whether they fired. Here one query tells, so a long
    breached ticket whose levels all fired keeps its real next instant: it is neither
    rewritten nor swept again after every closure change."""
    marked = [
        (ticket, schedule)
        for ticket, schedule in zip(batch, schedules, strict=True)
        if schedule.reached
    ]
    if not marked:
        return
    fired = set(
        Escalation.objects.filter(ticket_id__in=[ticket.pk for ticket, _ in marked]).values_list(
            "ticket_id", "timer", "level", "timer_started_at"
        )
    )
    for ticket, schedule in marked:
        if all((ticket.pk, *crossing.key) in fired for crossing in schedule.reached):
            ticket.next_escalation_at = schedule.next_at


def _chunk_write(chunk: list[TicketFacts]) -> int:
    """One short transaction: a row stays locked until it commits. The commit does not wait
    for the disk (``relaxed_commits_flush`` makes the slice's writes durable before the task
    reports progress); a crash before that loses writes the redelivered task redoes."""
    with transaction.atomic():
        relax_commit_durability()
        return tickets_sla_write(chunk, unchanged_since=[ticket.updated_at for ticket in chunk])


@dataclass(frozen=True)
class RecomputeRange:
    """Active tickets with ``after_pk < pk < before_pk`` (``before_pk`` None: no upper end)."""

    after_pk: int
    before_pk: int | None


def recompute_ranges(*, parts: int) -> list[RecomputeRange]:
    """Split the active tickets into at most ``parts`` primary-key ranges of similar width, so
    several worker processes can share a recompute: each range is independent and resumable.
    Widths, not counts: a boundary costs nothing to find, and active tickets are spread evenly
    enough over recent primary keys for the parts to take similar time."""
    bounds = Ticket.objects.exclude(status__in=INACTIVE_STATUSES).aggregate(
        low=models.Min("pk"), high=models.Max("pk")
    )
    low, high = bounds["low"], bounds["high"]
    if low is None or high is None:
        return []
    width = -(-(high - low + 1) // max(parts, 1))  # ceiling: the last part may be narrower
    starts = list(range(low, high + 1, width))
    return [
        RecomputeRange(after_pk=start - 1, before_pk=start + width if start != starts[-1] else None)
        for start in starts
    ]


def tickets_sla_recompute(
    *,
    after_pk: int = 0,
    before_pk: int | None = None,
    batch_size: int = 2000,
    time_budget: float | None = None,
) -> RecomputeProgress:
    """Refresh every active ticket's deadlines after primary key ``after_pk`` (and before
    ``before_pk``, so several workers can share a desk by ranges).

    Stops early, not done, once ``time_budget`` seconds have passed, so a task can hand the
    rest to its next run well inside its time limit."""
    started = time.monotonic()
    # The closures just changed: a copy of the clock even a second old may predate them.
    tz = business_clock_reloaded().tz
    last_pk = after_pk
    refreshed = written = 0
    while True:
        active = Ticket.objects.exclude(status__in=INACTIVE_STATUSES).filter(pk__gt=last_pk)
        if before_pk is not None:
            active = active.filter(pk__lt=before_pk)
        batch = [TicketFacts(row, tz) for row in facts_query(active.order_by("pk"))[:batch_size]]
        if not batch:
            relaxed_commits_flush()
            return RecomputeProgress(refreshed, last_pk, True, written)
        now = now_in_seconds()
        before = [_sla_values(ticket) for ticket in batch]
        schedules = [ticket_sla_refresh(ticket, now=now) for ticket in batch]
        _skip_levels_already_fired(batch, schedules)
        changed = [
            ticket
            for ticket, values in zip(batch, before, strict=True)
            if _sla_values(ticket) != values
        ]
        # Only rows whose values move are written: every written row is a new row version with
        # new entries in each of the ticket's indexes.
        for start in range(0, len(changed), WRITE_CHUNK):
            written += _chunk_write(changed[start : start + WRITE_CHUNK])
        refreshed += len(batch)
        last_pk = batch[-1].pk
        if time_budget is not None and time.monotonic() - started > time_budget:
            relaxed_commits_flush()
            return RecomputeProgress(refreshed, last_pk, False, written)
