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
from django.utils import timezone

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


def _closure_periods(closures: Iterable[ClosureDay]) -> list[Announcement]:
    """Consecutive closure days are one announcement (one notice for a whole year-end),
    known by the primary key of its first day."""
    periods: list[list[ClosureDay]] = []
    for closure in sorted(closures, key=lambda row: row.date):
        if periods and closure.date - periods[-1][-1].date == datetime.timedelta(days=1):
            periods[-1].append(closure)
        else:
            periods.append([closure])
    announcements = []
    for period in periods:
        reasons = list(dict.fromkeys(closure.reason for closure in period))
        announcements.append(
            Announcement(
                subject=Subject.CLOSURE,
                pk=period[0].pk,
                title="、".join(reasons),
                starts_at=_midnight(period[0].date),
                ends_at=_midnight(period[-1].date + datetime.timedelta(days=1)),
                description="",
                first_day=period[0].date,
                last_day=period[-1].date,
            )
        )
    return announcements


def announcements_upcoming(*, now: datetime.datetime | None = None) -> list[Announcement]:
    """Every published announcement not yet over, soonest first."""
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
        ClosureDay.objects.filter(announced_at__lte=now, date__gte=today).order_by("date")
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
