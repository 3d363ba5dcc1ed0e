"""Reads for the console's dashboard and calendar."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from helpdesk.core.roles import ROLES
from helpdesk.mail.quarantine import quarantined_mails
from helpdesk.tickets.listing import TicketFilters, TicketRow, ticket_list_page
from helpdesk.tickets.models import INACTIVE_STATUSES, Ticket
from sla.calendars import business_clock
from sla.clock import DayInfo
from sla.models import ClosureDay


@dataclass(frozen=True)
class DeskStatus:
    is_open: bool
    next_open: datetime.datetime | None


@dataclass(frozen=True)
class Dashboard:
    by_status: dict[str, int]
    by_sla_state: dict[str, int]
    by_queue: list[tuple[str, int]]
    at_risk: list[TicketRow]
    breached: list[TicketRow]
    desk: DeskStatus
    closures: list[ClosureDay]
    quarantined: int


def staff_users() -> QuerySet:
    """People a ticket can be assigned to."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=ROLES) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


def desk_status(*, now: datetime.datetime | None = None) -> DeskStatus:
    now = now or timezone.now()
    clock = business_clock()
    if clock.is_open(now):
        return DeskStatus(True, None)
    return DeskStatus(False, clock.next_open(now))


def dashboard(*, user, limit: int = 8) -> Dashboard:
    """Counts in one pass over the active-ticket index (ticket_active_counts_idx: the same
    condition, so PostgreSQL answers from the index alone); the at-risk and breached lists
    are the staff list's own pages, so they agree with what the list shows."""
    by_status: dict[str, int] = defaultdict(int)
    by_sla_state: dict[str, int] = defaultdict(int)
    by_queue: dict[str, int] = defaultdict(int)
    groups = (
        Ticket.objects.exclude(status__in=INACTIVE_STATUSES)
        .values_list("status", "sla_state", "queue")
        .annotate(count=Count("*"))
        .order_by()
    )
    for status, sla_state, queue, count in groups:
        by_status[status] += count
        by_sla_state[sla_state] += count
        by_queue[queue] += count
    queues = sorted(by_queue.items(), key=lambda item: (-item[1], item[0]))[:10]

    def rows(state: str) -> list[TicketRow]:
        filters = TicketFilters(sla_state=(state,))
        return ticket_list_page(user=user, filters=filters, page_size=limit).rows

    today = timezone.localdate()
    return Dashboard(
        by_status=dict(by_status),
        by_sla_state=dict(by_sla_state),
        by_queue=queues,
        at_risk=rows(Ticket.SlaState.WARNING),
        breached=rows(Ticket.SlaState.BREACHED),
        desk=desk_status(),
        closures=list(ClosureDay.objects.filter(date__gte=today).order_by("date")[:5]),
        quarantined=quarantined_mails().count(),
    )


@dataclass(frozen=True)
class CalendarMonth:
    first_day: datetime.date
    weeks: list[list[DayInfo | None]]  # Monday first; None pads the first and last week
    closures: dict[datetime.date, ClosureDay]

    @property
    def previous(self) -> datetime.date:
        return (self.first_day - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> datetime.date:
        return (self.first_day + datetime.timedelta(days=32)).replace(day=1)


def calendar_month(*, year: int, month: int) -> CalendarMonth:
    closures = {
        closure.date: closure
        for closure in ClosureDay.objects.filter(date__year=year, date__month=month)
    }
    # The rows win over the cached clock, which may lag a closure just added (sla.caching).
    days = [
        DayInfo(day.date, False, "closure", closures[day.date].reason)
        if day.date in closures
        else day
        for day in business_clock().business_days(year, month)
    ]
    first_day = days[0].date
    cells: list[DayInfo | None] = [None] * first_day.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[index : index + 7] for index in range(0, len(cells), 7)]
    return CalendarMonth(first_day, weeks, closures)
