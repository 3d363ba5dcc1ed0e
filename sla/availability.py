"""Monthly availability and service credits (SLA 2(a), 6(a), 6(b)) from the outage and
maintenance rows.

The rules are pure functions over time intervals (no database); ``month_availability`` reads
one month's rows and applies them. Figures are in whole seconds; ratios are ``Decimal``.

- The month runs from its first midnight to the next month's, in ``SLA_TIME_ZONE``.
- Guaranteed operating time: the month's time less announced maintenance (announced before
  it began). Maintenance announced late, or never, is downtime like an outage.
- An outage outside our control or of unknown cause that resolved by itself within 30 minutes
  is excluded (2(a)); every other outage is downtime. Overlaps count once; downtime inside
  announced maintenance does not count.
- Availability = 1 − downtime ÷ guaranteed time; the target is 99.95 %. It is shown truncated
  to two decimals, so the figure shown is at or above 99.95 exactly when the target is met.
- Service credit = monthly fee × downtime ÷ guaranteed time, rounded half up to whole yen,
  only for a month below the target.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import MaintenanceWindow, Outage

TARGET = Decimal("0.9995")
SELF_RESOLVED_GRACE = datetime.timedelta(minutes=30)

Interval = tuple[datetime.datetime, datetime.datetime]


def intervals_merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same time (overlaps count once)."""
    merged: list[Interval] = []
    for start, end in sorted(interval for interval in intervals if interval[1] > interval[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intervals_subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The parts of ``intervals`` outside every hole."""
    holes = intervals_merge(holes)
    remaining: list[Interval] = []
    for start, end in intervals_merge(intervals):
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                remaining.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            remaining.append((cursor, end))
    return remaining


def intervals_seconds(intervals: Iterable[Interval]) -> int:
    return sum(int((end - start).total_seconds()) for start, end in intervals_merge(intervals))


def _clip(start: datetime.datetime, end: datetime.datetime, period: Interval) -> Interval | None:
    clipped = (max(start, period[0]), min(end, period[1]))
    return clipped if clipped[1] > clipped[0] else None


def month_bounds(year: int, month: int) -> Interval:
    tz = zoneinfo.ZoneInfo(settings.SLA_TIME_ZONE)
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    following = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, following


def maintenance_is_announced(window: MaintenanceWindow) -> bool:
    """Announced in advance: the announcement came before the maintenance began."""
    return window.announced_at is not None and window.announced_at < window.starts_at


def outage_is_excluded(outage: Outage) -> bool:
    """SLA 2(a): outside our control or of unknown cause, and over by itself within 30 minutes.
    Exactly 30 minutes is still "within"; the duration is the whole outage, not the part
    inside the month."""
    return (
        outage.cause in (Outage.Cause.OUTSIDE, Outage.Cause.UNKNOWN)
        and outage.resolved_by_itself
        and outage.ended_at is not None
        and outage.ended_at - outage.started_at <= SELF_RESOLVED_GRACE
    )


def service_credit(
    *, monthly_fee: Decimal, downtime_seconds: int, guaranteed_seconds: int
) -> Decimal:
    """SLA 6(b): fee × downtime ÷ guaranteed time, rounded half up to whole yen."""
    if guaranteed_seconds <= 0 or downtime_seconds <= 0:
        return Decimal(0)
    amount = Decimal(monthly_fee) * downtime_seconds / guaranteed_seconds
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Incident:
    """One outage or maintenance window as the month's figures saw it."""

    title: str
    kind: str  # "outage" or "maintenance"
    cause: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    counted: bool
    reason: str  # why it counts or not: a key of INCIDENT_REASONS in the report

    @property
    def minutes(self) -> Decimal:
        end = self.ended_at or timezone.now()
        return (Decimal(int((end - self.started_at).total_seconds())) / 60).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class MonthAvailability:
    year: int
    month: int
    start: datetime.datetime
    end: datetime.datetime
    month_seconds: int
    announced_maintenance_seconds: int
    downtime_seconds: int
    incidents: list[Incident] = field(default_factory=list)
    daily_downtime_seconds: list[tuple[datetime.date, int]] = field(default_factory=list)

    @property
    def guaranteed_seconds(self) -> int:
        return self.month_seconds - self.announced_maintenance_seconds

    @property
    def availability(self) -> Decimal:
        if self.guaranteed_seconds <= 0:
            return Decimal(1)
        return 1 - Decimal(self.downtime_seconds) / Decimal(self.guaranteed_seconds)

    @property
    def availability_percent(self) -> Decimal:
        """Truncated to two decimals: 99.9499… shows as 99.94, below the target."""
        return (self.availability * 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def meets_target(self) -> bool:
        return self.availability >= TARGET

    @property
    def downtime_minutes(self) -> Decimal:
        return (Decimal(self.downtime_seconds) / 60).quantize(Decimal("0.1"))

    @property
    def guaranteed_minutes(self) -> Decimal:
        return (Decimal(self.guaranteed_seconds) / 60).quantize(Decimal("0.1"))

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def credit_for(self, monthly_fee: Decimal) -> Decimal:
        if self.meets_target:
            return Decimal(0)
        return service_credit(
            monthly_fee=monthly_fee,
            downtime_seconds=self.downtime_seconds,
            guaranteed_seconds=self.guaranteed_seconds,
        )


def _daily(intervals: list[Interval], period: Interval) -> list[tuple[datetime.date, int]]:
    tz = period[0].tzinfo
    days: list[tuple[datetime.date, int]] = []
    day_start = period[0]
    while day_start < period[1]:
        day = day_start.date()
        next_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz)
        day_period = (day_start, next_day)
        clipped = [_clip(start, end, day_period) for start, end in intervals]
        days.append((day, intervals_seconds(part for part in clipped if part)))
        day_start = next_day
    return days


def availability_compute(
    *,
    year: int,
    month: int,
    outages: Iterable[Outage],
    maintenance: Iterable[MaintenanceWindow],
    now: datetime.datetime | None = None,
) -> MonthAvailability:
    """The month's figures from the given rows (pure: rows in, figures out)."""
    period = month_bounds(year, month)
    now = now or timezone.now()
    incidents: list[Incident] = []
    announced: list[Interval] = []
    down: list[Interval] = []
    for window in maintenance:
        clipped = _clip(window.starts_at, window.ends_at, period)
        is_announced = maintenance_is_announced(window)
        incidents.append(
            Incident(
                window.title,
                "maintenance",
                "",
                window.starts_at,
                window.ends_at,
                counted=not is_announced,
                reason="announced_maintenance" if is_announced else "unannounced_maintenance",
            )
        )
        if clipped:
            (announced if is_announced else down).append(clipped)
    for outage in outages:
        excluded = outage_is_excluded(outage)
        incidents.append(
            Incident(
                outage.title,
                "outage",
                outage.cause,
                outage.started_at,
                outage.ended_at,
                counted=not excluded,
                reason="self_resolved_outside" if excluded else "outage",
            )
        )
        clipped = _clip(outage.started_at, outage.ended_at or now, period)
        if clipped and not excluded:
            down.append(clipped)
    downtime = intervals_subtract(down, announced)
    incidents.sort(key=lambda incident: incident.started_at)
    return MonthAvailability(
        year=year,
        month=month,
        start=period[0],
        end=period[1],
        month_seconds=int((period[1] - period[0]).total_seconds()),
        announced_maintenance_seconds=intervals_seconds(announced),
        downtime_seconds=intervals_seconds(downtime),
        incidents=incidents,
        daily_downtime_seconds=_daily(downtime, period),
    )


def month_availability(*, year: int, month: int) -> MonthAvailability:
    """The month's figures from the database: the rows that touch the month."""
    start, end = month_bounds(year, month)
    outages = Outage.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start), started_at__lt=end
    )
    maintenance = MaintenanceWindow.objects.filter(starts_at__lt=end, ends_at__gt=start)
    return availability_compute(
        year=year, month=month, outages=list(outages), maintenance=list(maintenance)
    )


def months_back(*, count: int, today: datetime.date) -> list[tuple[int, int]]:
    """``count`` (year, month) pairs ending with today's month, oldest first."""
    index = today.year * 12 + today.month - 1
    return [
        ((index - offset) // 12, (index - offset) % 12 + 1) for offset in range(count - 1, -1, -1)
    ]
