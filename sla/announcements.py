"""Reads for announcements (SLA 2(a) maintenance, 2(b) closures, 4 environment changes): what
customers are shown as upcoming, and which notice is due when.

All three are announced the same way: published from ``announced_at`` on, a notice mail
``NOTICE_DAYS_AHEAD`` days before (default 7) and again the day before, counted in Japan-time
calendar days. An announcement made later than that gets its notice at once; once the day
before has come, only the day-before notice is sent.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from .clock import BANK_CLOSING_DAYS
from .models import ClosureDay, EnvironmentRequirements, MaintenanceWindow, NoticeDelivery

Subject = NoticeDelivery.Subject
Stage = NoticeDelivery.Stage


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.SLA_TIME_ZONE)


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=_zone())


@dataclass(frozen=True)
class Announcement:
    subject: str  # a NoticeDelivery.Subject
    pk: int
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    description: str
    first_day: datetime.date | None = None  # closures: the first and last closed day
    last_day: datetime.date | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.subject, self.pk


def _year_end_days(*, today: datetime.date) -> list[datetime.date]:
    """The bank closing days (31 December to 3 January) not yet past: closed by law, so
    always announced, and noticed like the operator's own closures (SLA 2(b))."""
    days = []
    for year in (today.year - 1, today.year):
        first = datetime.date(year, 12, 31)
        days += [first + datetime.timedelta(days=offset) for offset in range(4)]
    return [day for day in days if day >= today and (day.month, day.day) in BANK_CLOSING_DAYS]


def _closure_periods(closures: Iterable[ClosureDay], *, today: datetime.date) -> list[Announcement]:
    """Consecutive closed days are one announcement (one notice for a whole year-end). It is
    known by the primary key of its first operator closure, or, for the bank closing days
    alone, by the year they begin in."""
    days: dict[datetime.date, tuple[str, int | None]] = {
        day: (gettext("Year-end closing"), None) for day in _year_end_days(today=today)
    }
    for closure in closures:
        days[closure.date] = (closure.reason, closure.pk)
    periods: list[list[datetime.date]] = []
    for day in sorted(days):
        if periods and day - periods[-1][-1] == datetime.timedelta(days=1):
            periods[-1].append(day)
        else:
            periods.append([day])
    separator = "、" if (translation.get_language() or "ja").startswith("ja") else ", "
    announcements = []
    for period in periods:
        keys = [key for day in period if (key := days[day][1]) is not None]
        subject, pk = (Subject.CLOSURE, keys[0]) if keys else (Subject.YEAR_END, period[0].year)
        announcements.append(
            Announcement(
                subject=subject,
                pk=pk,
                title=separator.join(dict.fromkeys(days[day][0] for day in period)),
                starts_at=_midnight(period[0]),
                ends_at=_midnight(period[-1] + datetime.timedelta(days=1)),
                description="",
                first_day=period[0],
                last_day=period[-1],
            )
        )
    return announcements


def announcements_upcoming(*, now: datetime.datetime | None = None) -> list[Announcement]:
    """Every published announcement not yet over, soonest first. Titles are in the active
    language (the year-end closing's, and how closure reasons are joined)."""
    now = now or timezone.now()
    today = timezone.localtime(now, _zone()).date()
    maintenance = [
        Announcement(
            subject=Subject.MAINTENANCE,
            pk=window.pk,
            title=window.title,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            description=window.description,
        )
        for window in MaintenanceWindow.objects.filter(announced_at__lte=now, ends_at__gt=now)
    ]
    closures = _closure_periods(
        ClosureDay.objects.filter(announced_at__lte=now, date__gte=today), today=today
    )
    environment = [
        Announcement(
            subject=Subject.ENVIRONMENT,
            pk=version.pk,
            title=version.title,
            starts_at=_midnight(version.effective_on),
            ends_at=None,
            description=version.change_summary,
        )
        for version in EnvironmentRequirements.objects.filter(
            announced_at__lte=now, effective_on__gt=today
        )
    ]
    return sorted(maintenance + closures + environment, key=lambda item: item.starts_at)


def notice_stage_due(
    announcement: Announcement, *, now: datetime.datetime, days_ahead: int | None = None
) -> str | None:
    """The notice owed now for this announcement, if any (see the module's docstring)."""
    if now >= announcement.starts_at:
        return None  # it has begun: a notice now would not be "in advance"
    days_ahead = settings.NOTICE_DAYS_AHEAD if days_ahead is None else days_ahead
    today = timezone.localtime(now, _zone()).date()
    first_day = timezone.localtime(announcement.starts_at, _zone()).date()
    if today >= first_day - datetime.timedelta(days=1):
        return Stage.DAY_BEFORE
    if today >= first_day - datetime.timedelta(days=days_ahead):
        return Stage.AHEAD
    return None


def notices_due(*, now: datetime.datetime) -> list[tuple[Announcement, str]]:
    due = []
    for announcement in announcements_upcoming(now=now):
        stage = notice_stage_due(announcement, now=now)
        if stage is not None:
            due.append((announcement, stage))
    return due


def environment_requirements_current(*, today: datetime.date) -> EnvironmentRequirements | None:
    return EnvironmentRequirements.objects.filter(effective_on__lte=today).first()
