"""Reads for the portal pages: notices on the home page and the confirmation of an inquiry."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from helpdesk.tickets.models import Ticket
from sla.calendars import business_clock
from sla.models import ClosureDay, EnvironmentRequirements, MaintenanceWindow

# The bank closing days (Banking Act Enforcement Order art. 5): 31 December to 3 January.
YEAR_END_FIRST = (12, 31)
YEAR_END_DAYS = 4


@dataclass(frozen=True)
class DeskStatus:
    is_open: bool
    open_until: datetime.datetime | None  # the end of the current window, while open
    next_open: datetime.datetime | None  # the next opening, while closed


@dataclass(frozen=True)
class YearEndClosing:
    first_day: datetime.date
    last_day: datetime.date
    reopens_at: datetime.datetime


@dataclass(frozen=True)
class PortalNotices:
    today: datetime.date
    desk: DeskStatus
    closures: list[ClosureDay]
    year_end: YearEndClosing | None
    maintenance: list[MaintenanceWindow]
    environment_changes: list[EnvironmentRequirements]


def desk_status(*, now: datetime.datetime) -> DeskStatus:
    clock = business_clock()
    if not clock.is_open(now):
        return DeskStatus(is_open=False, open_until=None, next_open=clock.next_open(now))
    local = now.astimezone(clock.tz)
    open_until = None
    for start, end in clock.windows:
        if start <= local.time() < end:
            open_until = datetime.datetime.combine(local.date(), end, tzinfo=clock.tz)
    return DeskStatus(is_open=True, open_until=open_until, next_open=None)


def year_end_closing(*, today: datetime.date) -> YearEndClosing | None:
    """The bank's year-end closing days, once they are ``PORTAL_YEAR_END_NOTICE_DAYS`` away
    or nearer, until the last of them has passed."""
    for year in (today.year - 1, today.year):
        first_day = datetime.date(year, *YEAR_END_FIRST)
        last_day = first_day + datetime.timedelta(days=YEAR_END_DAYS - 1)
        days_ahead = (first_day - today).days
        if last_day >= today and days_ahead <= settings.PORTAL_YEAR_END_NOTICE_DAYS:
            clock = business_clock()
            after = datetime.datetime.combine(
                last_day + datetime.timedelta(days=1), datetime.time(0), tzinfo=clock.tz
            )
            return YearEndClosing(
                first_day=first_day, last_day=last_day, reopens_at=clock.next_open(after)
            )
    return None


def portal_notices(*, now: datetime.datetime | None = None) -> PortalNotices:
    """Everything the home page announces: today's status, closures ahead, the year-end
    closing when it is near, and planned maintenance that is announced and not yet over."""
    now = now or timezone.now()
    today = timezone.localtime(now, business_clock().tz).date()
    closures = list(
        ClosureDay.objects.filter(announced_at__lte=now, date__gte=today).order_by("date")
    )
    maintenance = list(
        MaintenanceWindow.objects.filter(announced_at__lte=now, ends_at__gt=now).order_by(
            "starts_at"
        )
    )
    return PortalNotices(
        today=today,
        desk=desk_status(now=now),
        closures=closures,
        year_end=year_end_closing(today=today),
        maintenance=maintenance,
        environment_changes=list(
            EnvironmentRequirements.objects.filter(
                announced_at__lte=now, effective_on__gt=today
            ).order_by("effective_on")
        ),
    )


@dataclass(frozen=True)
class InquiryConfirmation:
    reference: str
    subject: str
    reply_due: datetime.datetime | None
    received_at: datetime.datetime
    arrived_out_of_hours: bool
    work_starts_at: datetime.datetime | None


def inquiry_confirmation(*, ticket_id: int) -> InquiryConfirmation | None:
    """What the confirmation page shows about the ticket this browser just opened."""
    ticket = (
        Ticket.objects.filter(pk=ticket_id)
        .only("reference", "subject", "first_response_due", "received_at")
        .first()
    )
    if ticket is None:
        return None
    clock = business_clock()
    out_of_hours = not clock.is_open(ticket.received_at)
    return InquiryConfirmation(
        reference=ticket.reference,
        subject=ticket.subject,
        reply_due=ticket.first_response_due,
        received_at=ticket.received_at,
        arrived_out_of_hours=out_of_hours,
        work_starts_at=clock.next_open(ticket.received_at) if out_of_hours else None,
    )
