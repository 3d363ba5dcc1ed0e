"""Availability and service credits, worked by hand (SLA 2(a), 6).

November 2026 has 30 days: 43,200 minutes. February 2026 has 28: 40,320 minutes.
Every example charges a customer paying 100,000 yen a month.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sla.availability import (
    availability_compute,
    intervals_merge,
    month_availability,
    months_back,
    service_credit,
)
from sla.models import MaintenanceWindow, Outage

JST = ZoneInfo("Asia/Tokyo")
FEE = Decimal(100_000)


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JST)


def outage(start, minutes, *, cause=Outage.Cause.OURS, by_itself=False, title="outage"):
    return Outage(
        title=title,
        cause=cause,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        resolved_by_itself=by_itself,
    )


def maintenance(start, minutes, *, announced_at):
    return MaintenanceWindow(
        title="maintenance",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        announced_at=announced_at,
    )


def november(outages=(), windows=()):
    return availability_compute(year=2026, month=11, outages=outages, maintenance=windows)


def test_a_month_without_incidents_is_100_percent_and_owes_nothing():
    month = november()
    assert month.guaranteed_minutes == Decimal(43_200)
    assert month.availability_percent == Decimal("100.00")
    assert month.credit_for(FEE) == 0


def test_announced_maintenance_is_taken_out_of_the_guaranteed_time():
    # 120 minutes announced a week ahead: guaranteed 43,200 - 120 = 43,080 minutes.
    # Our own 60-minute outage: 1 - 60/43,080 = 0.998607 -> 99.86 %.
    # Credit: 100,000 x 60 / 43,080 = 139.28 -> 139 yen.
    window = maintenance(at(10, 2), 120, announced_at=at(3, 10))
    month = november([outage(at(20, 14), 60)], [window])
    assert month.guaranteed_minutes == Decimal(43_080)
    assert month.downtime_minutes == Decimal(60)
    assert month.availability_percent == Decimal("99.86")
    assert not month.meets_target
    assert month.credit_for(FEE) == Decimal(139)


def test_maintenance_announced_only_after_it_began_counts_as_downtime():
    # 120 minutes, announced ten minutes after the start: not "in advance".
    # 1 - 120/43,200 = 0.997222 -> 99.72 %; credit 100,000 x 120 / 43,200 = 277.78 -> 278.
    window = maintenance(at(10, 2), 120, announced_at=at(10, 2, 10))
    never_announced = maintenance(at(12, 2), 0 + 1, announced_at=None)
    month = november([], [window])
    assert month.guaranteed_minutes == Decimal(43_200)
    assert month.downtime_minutes == Decimal(120)
    assert month.availability_percent == Decimal("99.72")
    assert month.credit_for(FEE) == Decimal(278)
    assert november([], [never_announced]).downtime_minutes == Decimal(1)


def test_a_29_minute_self_resolved_outside_outage_is_excluded():
    month = november([outage(at(5, 3), 29, cause=Outage.Cause.OUTSIDE, by_itself=True)])
    assert month.downtime_seconds == 0
    assert month.availability_percent == Decimal("100.00")
    assert [incident.counted for incident in month.incidents] == [False]


def test_a_31_minute_self_resolved_outside_outage_counts():
    # 1 - 31/43,200 = 0.999282 -> 99.92 %; credit 100,000 x 31 / 43,200 = 71.76 -> 72.
    month = november([outage(at(5, 3), 31, cause=Outage.Cause.OUTSIDE, by_itself=True)])
    assert month.downtime_minutes == Decimal(31)
    assert month.availability_percent == Decimal("99.92")
    assert month.credit_for(FEE) == Decimal(72)


def test_the_30_minute_exclusion_needs_both_outside_cause_and_self_resolution():
    unknown = outage(at(5, 3), 30, cause=Outage.Cause.UNKNOWN, by_itself=True)
    fixed_by_us = outage(at(6, 3), 20, cause=Outage.Cause.OUTSIDE, by_itself=False)
    ours = outage(at(7, 3), 10, cause=Outage.Cause.OURS, by_itself=True)
    month = november([unknown, fixed_by_us, ours])
    assert month.downtime_minutes == Decimal(30)  # 20 + 10; the unknown 30 is excluded


def test_overlapping_outages_count_once():
    # 10:00-11:00 and 10:30-11:30 cover 90 minutes, not 120.
    # 1 - 90/43,200 = 0.997916 -> 99.79 %; credit 100,000 x 90 / 43,200 = 208.33 -> 208.
    month = november([outage(at(9, 10), 60), outage(at(9, 10, 30), 60)])
    assert month.downtime_minutes == Decimal(90)
    assert month.availability_percent == Decimal("99.79")
    assert month.credit_for(FEE) == Decimal(208)


def test_an_outage_inside_announced_maintenance_is_not_downtime():
    window = maintenance(at(10, 2), 120, announced_at=at(1, 10))
    month = november([outage(at(10, 3), 90)], [window])  # 03:00-04:30, maintenance to 04:00
    assert month.downtime_minutes == Decimal(30)


def test_february_has_less_guaranteed_time_so_21_minutes_miss_the_target():
    # February 2026: 40,320 minutes. 1 - 21/40,320 = 0.999479 -> 99.94 %, below 99.95 %.
    # Credit: 100,000 x 21 / 40,320 = 52.08 -> 52 yen.
    # The same 21 minutes in November: 1 - 21/43,200 = 0.999513 -> 99.95 %: target met.
    february = availability_compute(
        year=2026,
        month=2,
        outages=[outage(at(10, 9, month=2), 21)],
        maintenance=[],
    )
    assert february.guaranteed_minutes == Decimal(40_320)
    assert february.availability_percent == Decimal("99.94")
    assert not february.meets_target
    assert february.credit_for(FEE) == Decimal(52)
    same_in_november = november([outage(at(10, 9), 21)])
    assert same_in_november.availability_percent == Decimal("99.95")
    assert same_in_november.meets_target
    assert same_in_november.credit_for(FEE) == 0


def test_an_outage_across_the_month_end_counts_in_each_month_for_its_own_part():
    # 23:30 on 30 November to 00:45 on 1 December (Tokyo): 30 minutes in November.
    crossing = outage(at(30, 23, 30), 75)
    assert november([crossing]).downtime_minutes == Decimal(30)
    december = availability_compute(year=2026, month=12, outages=[crossing], maintenance=[])
    assert december.downtime_minutes == Decimal(45)


def test_daily_downtime_is_split_at_tokyo_midnight():
    month = november([outage(at(4, 23, 0), 120)])
    daily = dict(month.daily_downtime_seconds)
    assert daily[datetime.date(2026, 11, 4)] == 3600
    assert daily[datetime.date(2026, 11, 5)] == 3600
    assert len(daily) == 30


def test_service_credit_rounds_half_up_to_whole_yen():
    # 3,000 x 1 / 2 = 1,500; 3 x 1 / 2 = 1.5 -> 2; 1 x 1 / 3 = 0.33 -> 0.
    assert service_credit(monthly_fee=Decimal(3), downtime_seconds=1, guaranteed_seconds=2) == 2
    assert service_credit(monthly_fee=Decimal(1), downtime_seconds=1, guaranteed_seconds=3) == 0


def test_merging_keeps_touching_intervals_as_one():
    assert intervals_merge([(at(1, 1), at(1, 2)), (at(1, 2), at(1, 3))]) == [(at(1, 1), at(1, 3))]


def test_months_back_crosses_the_year():
    assert months_back(count=3, today=datetime.date(2027, 1, 15)) == [
        (2026, 11),
        (2026, 12),
        (2027, 1),
    ]


@pytest.mark.django_db
def test_month_availability_reads_only_the_rows_that_touch_the_month():
    Outage.objects.create(
        title="in", cause=Outage.Cause.OURS, started_at=at(3, 1), ended_at=at(3, 2)
    )
    Outage.objects.create(
        title="october",
        cause=Outage.Cause.OURS,
        started_at=at(3, 1, month=10),
        ended_at=at(3, 2, month=10),
    )
    month = month_availability(year=2026, month=11)
    assert [incident.title for incident in month.incidents] == ["in"]
    assert month.downtime_minutes == Decimal(60)
