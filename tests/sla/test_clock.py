"""Tests for ``sla.clock.BusinessClock``.

The clock is checked against a deliberately slow reference written here from the spec: it walks
the desk windows one by one as aware datetimes and decides business days with jpholiday
directly. Named tests pin the cases people ask about; hypothesis compares everything else.
"""

from __future__ import annotations

import time as time_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.clock import (
    BANK_CLOSING_REASON,
    DEFAULT_CLOSURE_REASON,
    MAX_MINUTES,
    MAX_YEAR,
    BusinessClock,
    DayInfo,
)
from sla.holidays import year_holidays


@pytest.fixture(autouse=True)
def fresh_business_calendar() -> None:
    """Shadows the autouse fixture of tests/conftest.py, which resets the Django-side calendar
    cache: these tests use no Django at all and must run with ``-p no:django``."""


TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
DESK_WINDOWS = ((time(10), time(12)), (time(13), time(17)))


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


# --------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class ReferenceCalendar:
    """The spec, restated as plainly as possible (Tokyo has had no DST since 1951)."""

    windows: tuple[tuple[time, time], ...] = DESK_WINDOWS
    weekdays: frozenset[int] = frozenset(range(5))
    closures: frozenset[date] = field(default_factory=frozenset)
    public_holidays: bool = True
    bank_closing_days: bool = True

    def is_business_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays or day in self.closures:
            return False
        if self.bank_closing_days and (day.month, day.day) in {(12, 31), (1, 1), (1, 2), (1, 3)}:
            return False
        return not (self.public_holidays and jpholiday.is_holiday(day))

    def windows_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Every open window from ``day`` on, in order, as Tokyo datetimes."""
        while True:
            if self.is_business_day(day):
                for opens, closes in self.windows:
                    yield datetime.combine(day, opens, TOKYO), datetime.combine(day, closes, TOKYO)
            day += timedelta(days=1)

    def deadline(self, start: datetime, minutes: int) -> datetime:
        start = whole_seconds(start)
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return start
        for opens, closes in self.windows_from(start.date()):
            if closes <= start:
                continue
            opens = max(opens, start)
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable")

    def elapsed(self, start: datetime, end: datetime) -> int:
        start, end = whole_seconds(start), whole_seconds(end)
        total = timedelta()
        for opens, closes in self.windows_from(start.date()):
            if opens >= end:
                return int(total.total_seconds())
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        raise AssertionError("unreachable")

    def is_open(self, at: datetime) -> bool:
        at = whole_seconds(at)
        return self.is_business_day(at.date()) and any(
            opens <= at.time() < closes for opens, closes in self.windows
        )

    def next_open(self, at: datetime) -> datetime:
        at = whole_seconds(at)
        for opens, closes in self.windows_from(at.date()):
            if at < closes:
                return max(opens, at)
        raise AssertionError("unreachable")


def whole_seconds(at: datetime) -> datetime:
    return at.replace(microsecond=0).astimezone(TOKYO)


REFERENCE = ReferenceCalendar()
CLOCK = BusinessClock()

# A second calendar that differs in every setting, to show the options are honoured.
CUSTOM_WINDOWS = (
    (time(8, 30), time(11, 45, 30)),
    (time(11, 45, 30), time(12)),
    (time(18), time(23)),
)
CUSTOM_CLOSURES = {date(2026, 7, 4): "棚卸し", date(2026, 8, 12): "夏季休業"}
CUSTOM_REFERENCE = ReferenceCalendar(
    windows=CUSTOM_WINDOWS,
    weekdays=frozenset({1, 2, 3, 4, 5}),
    closures=frozenset(CUSTOM_CLOSURES),
    public_holidays=False,
    bank_closing_days=False,
)
CUSTOM_CLOCK = BusinessClock(
    tz="Asia/Tokyo",
    windows=CUSTOM_WINDOWS,
    weekdays=(1, 2, 3, 4, 5),
    closures=CUSTOM_CLOSURES,
    public_holidays=False,
    bank_closing_days=False,
)


# --------------------------------------------------------------------------- strategies

ZONES = st.sampled_from([TOKYO, UTC, NEW_YORK, ZoneInfo("Europe/London")])


@st.composite
def near_boundaries(draw: st.DrawFn) -> datetime:
    """Instants within a few seconds of a window edge, where off-by-one errors live."""
    day = draw(st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 6, 30)))
    edges = sorted({edge for window in DESK_WINDOWS + CUSTOM_WINDOWS for edge in window})
    edge = draw(st.sampled_from([time(0), *edges]))
    nudge = draw(st.integers(min_value=-90, max_value=90))
    micro = draw(st.sampled_from([0, 0, 1, 999_999]))
    at = datetime.combine(day, edge, TOKYO) + timedelta(seconds=nudge, microseconds=micro)
    return at.astimezone(draw(ZONES))


INSTANTS = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 6, 1),  # noqa: DTZ001 - bounds for aware values below
        max_value=datetime(2028, 6, 30),  # noqa: DTZ001
        timezones=ZONES,
    ),
    near_boundaries(),
)
MINUTES = st.one_of(
    st.integers(min_value=0, max_value=4000),
    st.sampled_from([0, 1, 59, 60, 61, 120, 240, 360, 361]),
)
SPANS = st.one_of(
    st.integers(min_value=0, max_value=40 * 86_400),
    st.integers(min_value=0, max_value=600),
)


def later(start: datetime, seconds: int) -> datetime:
    """``seconds`` of real time after ``start``; plain ``+`` would be wall-clock arithmetic."""
    return (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(start.tzinfo)


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


# --------------------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(start=INSTANTS, minutes=MINUTES)
def test_deadline_matches_reference(start: datetime, minutes: int) -> None:
    due = CLOCK.deadline(start, minutes)
    assert due == REFERENCE.deadline(start, minutes)
    assert due.tzinfo is CLOCK.tz
    assert due.microsecond == 0


@PROPERTY_SETTINGS
@given(start=INSTANTS, minutes=MINUTES)
def test_elapsed_until_deadline_is_the_minutes_given(start: datetime, minutes: int) -> None:
    assert CLOCK.elapsed(start, CLOCK.deadline(start, minutes)) == 60 * minutes


@PROPERTY_SETTINGS
@given(start=INSTANTS, minutes=st.integers(min_value=1, max_value=4000))
def test_deadline_is_the_earliest_such_instant(start: datetime, minutes: int) -> None:
    due = CLOCK.deadline(start, minutes)
    assert CLOCK.elapsed(start, due - timedelta(seconds=1)) == 60 * minutes - 1


@PROPERTY_SETTINGS
@given(start=INSTANTS, span=SPANS)
def test_elapsed_matches_reference(start: datetime, span: int) -> None:
    end = later(start, span)
    assert CLOCK.elapsed(start, end) == REFERENCE.elapsed(start, end)


@PROPERTY_SETTINGS
@given(start=INSTANTS, span=SPANS)
def test_position_difference_is_elapsed(start: datetime, span: int) -> None:
    end = later(start, span)
    assert CLOCK.position(end) - CLOCK.position(start) == CLOCK.elapsed(start, end)


@PROPERTY_SETTINGS
@given(start=INSTANTS, minutes=st.integers(min_value=1, max_value=4000))
def test_instant_at_position_inverts_position(start: datetime, minutes: int) -> None:
    target = CLOCK.position(start) + 60 * minutes
    assert CLOCK.instant_at_position(target) == CLOCK.deadline(start, minutes)
    assert CLOCK.position(CLOCK.instant_at_position(target)) == target


@PROPERTY_SETTINGS
@given(at=INSTANTS)
def test_is_open_and_next_open_match_reference(at: datetime) -> None:
    assert CLOCK.is_open(at) == REFERENCE.is_open(at)
    assert CLOCK.next_open(at) == REFERENCE.next_open(at)


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS, minutes=MINUTES, span=SPANS)
def test_custom_calendar_matches_reference(start: datetime, minutes: int, span: int) -> None:
    end = later(start, span)
    due = CUSTOM_CLOCK.deadline(start, minutes)
    assert due == CUSTOM_REFERENCE.deadline(start, minutes)
    assert CUSTOM_CLOCK.elapsed(start, due) == 60 * minutes
    assert CUSTOM_CLOCK.elapsed(start, end) == CUSTOM_REFERENCE.elapsed(start, end)
    assert CUSTOM_CLOCK.is_open(start) == CUSTOM_REFERENCE.is_open(start)
    assert CUSTOM_CLOCK.next_open(start) == CUSTOM_REFERENCE.next_open(start)


def test_reference_agrees_with_a_second_by_second_walk() -> None:
    """The reference itself, checked by brute force: lunch, nights and the 04-29 holiday."""
    start = tokyo(2026, 4, 28, 11, 0)  # Tuesday; Wednesday 04-29 is 昭和の日
    open_seconds = 0
    for step in range(60 * 3600):
        at = start + timedelta(seconds=step)
        if step % 61 == 0:
            assert REFERENCE.elapsed(start, at) == open_seconds, at
        open_seconds += REFERENCE.is_open(at)
    assert open_seconds == (1 + 4 + 2 + 4) * 3600


# --------------------------------------------------------------------------- named cases


def assert_deadline(
    clock: BusinessClock, start: datetime, minutes: int, expected: datetime
) -> None:
    """The deadline, and that exactly ``minutes`` business minutes lie between start and it."""
    due = clock.deadline(start, minutes)
    assert due == expected
    assert clock.elapsed(start, due) == 60 * minutes


def test_one_minute_from_11_59_30_resumes_after_lunch() -> None:
    assert_deadline(CLOCK, tokyo(2026, 6, 3, 11, 59, 30), 1, tokyo(2026, 6, 3, 13, 0, 30))


def test_deadline_landing_exactly_on_noon_is_noon_not_13_00() -> None:
    assert_deadline(CLOCK, tokyo(2026, 6, 3, 11, 0), 60, tokyo(2026, 6, 3, 12, 0))
    assert_deadline(CLOCK, tokyo(2026, 6, 3, 10, 0), 120, tokyo(2026, 6, 3, 12, 0))


def test_deadline_landing_exactly_on_17_00_is_17_00_not_next_morning() -> None:
    assert_deadline(CLOCK, tokyo(2026, 6, 3, 16, 0), 60, tokyo(2026, 6, 3, 17, 0))
    assert_deadline(CLOCK, tokyo(2026, 6, 3, 10, 0), 360, tokyo(2026, 6, 3, 17, 0))


def test_arrival_at_10_00_starts_counting_at_once() -> None:
    at = tokyo(2026, 6, 3, 10, 0)
    assert CLOCK.is_open(at)
    assert CLOCK.next_open(at) == at
    assert_deadline(CLOCK, at, 1, tokyo(2026, 6, 3, 10, 1))


def test_arrival_at_12_00_waits_for_13_00() -> None:
    at = tokyo(2026, 6, 3, 12, 0)
    assert not CLOCK.is_open(at)
    assert CLOCK.next_open(at) == tokyo(2026, 6, 3, 13, 0)
    assert_deadline(CLOCK, at, 1, tokyo(2026, 6, 3, 13, 1))
    assert CLOCK.elapsed(at, tokyo(2026, 6, 3, 13, 0)) == 0


def test_arrival_at_13_00_starts_counting_at_once() -> None:
    at = tokyo(2026, 6, 3, 13, 0)
    assert CLOCK.is_open(at)
    assert CLOCK.next_open(at) == at
    assert_deadline(CLOCK, at, 1, tokyo(2026, 6, 3, 13, 1))


def test_arrival_at_17_00_waits_for_next_morning() -> None:
    at = tokyo(2026, 6, 3, 17, 0)
    assert not CLOCK.is_open(at)
    assert CLOCK.next_open(at) == tokyo(2026, 6, 4, 10, 0)
    assert_deadline(CLOCK, at, 1, tokyo(2026, 6, 4, 10, 1))


def test_friday_evening_to_monday() -> None:
    friday_evening = tokyo(2026, 6, 5, 18, 0)
    assert_deadline(CLOCK, friday_evening, 30, tokyo(2026, 6, 8, 10, 30))
    assert_deadline(CLOCK, tokyo(2026, 6, 5, 16, 30), 60, tokyo(2026, 6, 8, 10, 30))
    assert CLOCK.elapsed(friday_evening, tokyo(2026, 6, 8, 10, 0)) == 0


def test_minutes_zero_returns_start_itself_even_at_night() -> None:
    at = datetime(2026, 6, 5, 12, 0, 0, 999_999, tzinfo=UTC)  # 21:00 in Tokyo, Friday
    due = CLOCK.deadline(at, 0)
    assert CLOCK.elapsed(at, due) == 0
    assert due == at.replace(microsecond=0)
    assert due.tzinfo is CLOCK.tz
    assert due.hour == 21


def test_year_end_bank_closing_dec_30_2026_to_jan_4_2027() -> None:
    # 12-30 (Wed) 16:30-17:00 gives 30 minutes; 12-31 and 01-01..03 are closed; 01-04 is Monday.
    assert_deadline(CLOCK, tokyo(2026, 12, 30, 16, 30), 90, tokyo(2027, 1, 4, 11, 0))
    assert CLOCK.elapsed(tokyo(2026, 12, 30, 16, 30), tokyo(2027, 1, 4, 11, 0)) == 90 * 60


def closed_days(clock: BusinessClock, first: date, last: date) -> list[date]:
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return [day for day in days if not clock.is_business_day(day)]


def test_golden_week_2026() -> None:
    # 04-29 Wed 昭和の日; 05-03 Sun 憲法記念日, so 05-06 Wed is its substitute holiday;
    # 05-04 Mon みどりの日; 05-05 Tue こどもの日. Only 04-30 and 05-01 are open in between.
    assert closed_days(CLOCK, date(2026, 4, 27), date(2026, 5, 8)) == [
        date(2026, 4, 29),
        date(2026, 5, 2),
        date(2026, 5, 3),
        date(2026, 5, 4),
        date(2026, 5, 5),
        date(2026, 5, 6),
    ]
    assert CLOCK.day_info(date(2026, 5, 6)).reason == "憲法記念日 振替休日"
    assert_deadline(CLOCK, tokyo(2026, 5, 1, 16, 0), 120, tokyo(2026, 5, 7, 11, 0))


def test_golden_week_2027() -> None:
    # 04-29 Thu 昭和の日; 05-03 Mon, 05-04 Tue, 05-05 Wed are holidays; none falls on a Sunday,
    # so there is no substitute and 05-06 Thu is open again.
    assert closed_days(CLOCK, date(2027, 4, 26), date(2027, 5, 10)) == [
        date(2027, 4, 29),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 5, 3),
        date(2027, 5, 4),
        date(2027, 5, 5),
        date(2027, 5, 8),
        date(2027, 5, 9),
    ]
    assert_deadline(CLOCK, tokyo(2027, 4, 30, 16, 0), 120, tokyo(2027, 5, 6, 11, 0))


def test_citizens_holiday_2026_09_22() -> None:
    # 09-21 Mon 敬老の日 and 09-23 Wed 秋分の日 make the Tuesday between a 国民の休日.
    assert CLOCK.day_info(date(2026, 9, 22)) == DayInfo(
        date(2026, 9, 22), False, "public_holiday", "国民の休日"
    )
    assert closed_days(CLOCK, date(2026, 9, 18), date(2026, 9, 24)) == [
        date(2026, 9, 19),
        date(2026, 9, 20),
        date(2026, 9, 21),
        date(2026, 9, 22),
        date(2026, 9, 23),
    ]
    assert_deadline(CLOCK, tokyo(2026, 9, 18, 16, 0), 120, tokyo(2026, 9, 24, 11, 0))


def test_substitute_holiday_2025_11_24() -> None:
    # 勤労感謝の日 2025-11-23 is a Sunday, so Monday 11-24 is closed in its place.
    info = CLOCK.day_info(date(2025, 11, 24))
    assert (info.is_business_day, info.kind, info.reason) == (
        False,
        "public_holiday",
        "勤労感謝の日 振替休日",
    )
    assert_deadline(CLOCK, tokyo(2025, 11, 21, 16, 30), 60, tokyo(2025, 11, 25, 10, 30))


def test_operator_closure_is_skipped_and_explained() -> None:
    clock = BusinessClock(closures={date(2026, 6, 10): "社内研修", date(2026, 9, 22): "創立記念日"})
    assert_deadline(clock, tokyo(2026, 6, 9, 16, 0), 120, tokyo(2026, 6, 11, 11, 0))
    assert clock.day_info(date(2026, 6, 10)) == DayInfo(
        date(2026, 6, 10), False, "closure", "社内研修"
    )
    # A closure's own reason wins over the public holiday on the same day.
    assert clock.day_info(date(2026, 9, 22)).reason == "創立記念日"
    # The default clock is unaffected.
    assert_deadline(CLOCK, tokyo(2026, 6, 9, 16, 0), 120, tokyo(2026, 6, 10, 11, 0))


def test_closures_given_as_bare_dates_get_the_default_reason() -> None:
    clock = BusinessClock(closures=[date(2026, 6, 10)])
    assert clock.day_info(date(2026, 6, 10)).reason == DEFAULT_CLOSURE_REASON


def test_day_info_reasons_and_precedence() -> None:
    assert CLOCK.day_info(date(2026, 1, 1)) == DayInfo(
        date(2026, 1, 1), False, "public_holiday", "元日"
    )
    assert CLOCK.day_info(date(2026, 1, 2)) == DayInfo(
        date(2026, 1, 2), False, "bank_closing", BANK_CLOSING_REASON
    )
    # Saturday 2026-01-03: the bank closing day wins over the weekend.
    assert CLOCK.day_info(date(2026, 1, 3)).kind == "bank_closing"
    assert CLOCK.day_info(date(2026, 12, 31)).reason == "年末年始休業"
    assert CLOCK.day_info(date(2026, 6, 6)) == DayInfo(date(2026, 6, 6), False, "weekend", "")
    assert CLOCK.day_info(date(2026, 6, 8)) == DayInfo(date(2026, 6, 8), True, "business", "")
    # Sunday 2026-05-03 is still reported as the holiday it is.
    assert CLOCK.day_info(date(2026, 5, 3)).reason == "憲法記念日"


def test_business_days_lists_the_whole_month() -> None:
    days = CLOCK.business_days(2026, 5)
    assert [info.date for info in days] == [date(2026, 5, day) for day in range(1, 32)]
    open_days = [info.date.day for info in days if info.is_business_day]
    assert open_days == [1, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29]


def test_switching_holiday_rules_off() -> None:
    clock = BusinessClock(public_holidays=False, bank_closing_days=False)
    assert clock.day_info(date(2026, 5, 4)).is_business_day
    assert clock.day_info(date(2026, 12, 31)).is_business_day
    assert_deadline(clock, tokyo(2026, 12, 30, 16, 30), 90, tokyo(2026, 12, 31, 11, 0))


def test_position_origin_and_pause_arithmetic() -> None:
    # 2026-01-01..03 are closed and 01-04 is a Sunday: nothing counts before Monday 10:00.
    assert CLOCK.position(tokyo(2026, 1, 1)) == 0
    assert CLOCK.position(tokyo(2026, 1, 5, 10, 0)) == 0
    assert CLOCK.position(tokyo(2026, 1, 5, 10, 0, 1)) == 1
    assert CLOCK.position(tokyo(2025, 12, 30, 17, 0)) == 0
    assert CLOCK.position(tokyo(2025, 12, 30, 16, 0)) == -3600
    # A 4-hour target started Monday 11:00 and paused from 14:00 (2 hours used) to Tuesday 11:00
    # has 2 hours left: Tuesday 11:00-12:00 and 13:00-14:00.
    start, paused_at, resumed_at = (
        tokyo(2026, 6, 1, 11),
        tokyo(2026, 6, 1, 14),
        tokyo(2026, 6, 2, 11),
    )
    paused = CLOCK.position(resumed_at) - CLOCK.position(paused_at)
    due = CLOCK.instant_at_position(CLOCK.position(start) + 4 * 3600 + paused)
    assert due == tokyo(2026, 6, 2, 14, 0)
    assert CLOCK.add_seconds(resumed_at, 4 * 3600 - CLOCK.elapsed(start, paused_at)) == due


def test_other_zones_in_clock_zone_out() -> None:
    start = datetime(2026, 6, 3, 1, 59, 30, 123_456, tzinfo=UTC)  # 10:59:30 in Tokyo
    due = CLOCK.deadline(start, 61)
    assert due == tokyo(2026, 6, 3, 13, 0, 30)
    assert due.tzinfo is CLOCK.tz
    new_york_start = start.astimezone(NEW_YORK)
    assert_deadline(CLOCK, new_york_start, 61, due)
    assert CLOCK.next_open(start).tzinfo is CLOCK.tz


def test_windows_are_exposed_for_display() -> None:
    assert CLOCK.windows == DESK_WINDOWS
    assert CUSTOM_CLOCK.windows == (
        (time(8, 30), time(11, 45, 30)),
        (time(11, 45, 30), time(12)),
        (time(18), time(23)),
    )
    assert "10:00-12:00, 13:00-17:00" in repr(CLOCK)


def test_pytz_zone_gives_the_same_answers() -> None:
    pytz = pytest.importorskip("pytz")
    zone = pytz.timezone("Asia/Tokyo")
    clock = BusinessClock(tz=zone)
    start = zone.localize(datetime(2026, 12, 30, 16, 30))  # noqa: DTZ001 - pytz's way
    due = clock.deadline(start, 90)
    assert due == tokyo(2027, 1, 4, 11, 0)
    assert due.utcoffset() == timedelta(hours=9)
    assert clock.elapsed(start, due) == 90 * 60
    assert clock.position(due) == CLOCK.position(due)


def test_far_future_year_2400() -> None:
    start = tokyo(2400, 4, 27, 15, 12, 7)
    for minutes in (0, 1, 600, 5000):
        assert_deadline(CLOCK, start, minutes, REFERENCE.deadline(start, minutes))
    assert CLOCK.elapsed(start, tokyo(2400, 5, 20)) == REFERENCE.elapsed(start, tokyo(2400, 5, 20))


def test_year_1950_when_japan_kept_summer_time() -> None:
    # Japan used DST (UTC+10) from May to September 1950; the desk windows are wall-clock times.
    start = tokyo(1950, 5, 5, 16, 0)
    assert start.utcoffset() == timedelta(hours=9)
    for minutes in (60, 120, 700, 3000):
        assert_deadline(CLOCK, start, minutes, REFERENCE.deadline(start, minutes))
    assert CLOCK.elapsed(start, tokyo(1950, 5, 20)) == REFERENCE.elapsed(start, tokyo(1950, 5, 20))


def test_ten_million_minutes_spans_a_century() -> None:
    start = tokyo(2026, 6, 3, 11, 59, 30)
    due = CLOCK.deadline(start, 10_000_000)
    assert due == REFERENCE.deadline(start, 10_000_000)
    assert due.year == 2140  # about 245 business days of 6 hours a year
    assert CLOCK.elapsed(start, due) == 600_000_000
    assert CLOCK.position(due) - CLOCK.position(start) == 600_000_000


# --------------------------------------------------------------------------- daylight saving


def second_by_second(clock: BusinessClock, windows, start: datetime, hours: int) -> list[int]:
    """Open seconds in [start, start + i s) for every i, by testing each second's wall time."""
    counts = [0]
    for step in range(hours * 3600):
        local = (start + timedelta(seconds=step)).astimezone(clock.tz)
        is_open = any(opens <= local.time() < closes for opens, closes in windows)
        counts.append(counts[-1] + is_open)
    return counts


@pytest.mark.parametrize(
    "night",
    [date(2026, 3, 8), date(2026, 11, 1)],
    ids=["spring-forward", "fall-back"],
)
def test_daylight_saving_zone_counts_wall_clock_windows(night: date) -> None:
    """Around New York's DST changes a window can lose or gain an hour, or be split in two."""
    windows = ((time(0, 30), time(1, 30)), (time(1, 45), time(2, 40)), (time(2, 50), time(3, 15)))
    clock = BusinessClock(
        tz=NEW_YORK,
        windows=windows,
        weekdays=range(7),
        public_holidays=False,
        bank_closing_days=False,
    )
    start = datetime.combine(night, time(0), NEW_YORK).astimezone(UTC)
    counts = second_by_second(clock, windows, start, 5)
    for step in range(0, len(counts), 7):
        at = start + timedelta(seconds=step)
        assert clock.elapsed(start, at) == counts[step], at
    for minutes in range(counts[-1] // 60 + 1):
        expected = start + timedelta(seconds=counts.index(60 * minutes))
        # Compare as UTC: Python never calls a fold-dependent time equal to one in another zone.
        due = clock.deadline(start, minutes)
        assert due.astimezone(UTC) == expected, minutes
        assert clock.elapsed(start, due) == 60 * minutes


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call",
    [
        lambda at: CLOCK.deadline(at, 10),
        lambda at: CLOCK.elapsed(at, tokyo(2026, 6, 3)),
        lambda at: CLOCK.elapsed(tokyo(2026, 6, 1), at),
        CLOCK.is_open,
        CLOCK.next_open,
        CLOCK.position,
    ],
    ids=["deadline", "elapsed-start", "elapsed-end", "is_open", "next_open", "position"],
)
def test_naive_datetime_is_rejected(call) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 6, 2, 11, 0))  # noqa: DTZ001 - the point of the test


def test_negative_minutes_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        CLOCK.deadline(tokyo(2026, 6, 3, 10), -1)


@pytest.mark.parametrize("minutes", [True, 1.5, 2.0, "10", None])
def test_minutes_must_be_a_plain_int(minutes) -> None:
    with pytest.raises(TypeError, match="minutes must be an int"):
        CLOCK.deadline(tokyo(2026, 6, 3, 10), minutes)


def test_elapsed_with_end_before_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="before start"):
        CLOCK.elapsed(tokyo(2026, 6, 3, 11), tokyo(2026, 6, 3, 10, 59, 59))


def test_elapsed_of_an_empty_or_sub_second_span_is_zero() -> None:
    at = tokyo(2026, 6, 3, 11)
    assert CLOCK.elapsed(at, at) == 0
    assert CLOCK.elapsed(at, at + timedelta(microseconds=999_999)) == 0


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        (((time(12), time(10)),), "before its end"),
        (((time(10), time(10)),), "before its end"),
        (((time(10), time(13)), (time(12), time(17))), "must not overlap"),
        (((time(13), time(17)), (time(10), time(12))), "sorted"),
        ((), "at least one"),
    ],
)
def test_invalid_windows_are_rejected(windows, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessClock(windows=windows)


def test_other_invalid_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="weekday"):
        BusinessClock(weekdays=())
    with pytest.raises(ValueError, match="weekdays"):
        BusinessClock(weekdays=(7,))
    with pytest.raises(ValueError, match="unknown time zone"):
        BusinessClock(tz="Asia/Nowhere")
    with pytest.raises(TypeError, match=r"datetime\.date"):
        BusinessClock(closures={tokyo(2026, 6, 10): "datetime, not date"})


def test_years_outside_the_supported_range_are_rejected() -> None:
    with pytest.raises(ValueError, match="supported years"):
        CLOCK.deadline(datetime(1899, 6, 1, tzinfo=UTC), 10)
    with pytest.raises(ValueError, match="last supported year"):
        CLOCK.deadline(tokyo(MAX_YEAR, 12, 28, 10), 60 * 24 * 30)


def test_huge_amounts_are_refused_at_once_not_after_minutes_of_work() -> None:
    # Regression: `sla deadline 2026-12-04T10:00 99999999999` ran for 10 minutes and 745 MB.
    clock = BusinessClock()
    started = time_module.perf_counter()
    with pytest.raises(ValueError, match="at most"):
        clock.deadline(tokyo(2026, 12, 4, 10), 99_999_999_999)
    with pytest.raises(ValueError, match="at most"):
        clock.add_seconds(tokyo(2026, 12, 4, 10), 60 * MAX_MINUTES + 1)
    # In range, but past the last supported year: refused before building those years.
    with pytest.raises(ValueError, match="last supported year"):
        clock.deadline(tokyo(MAX_YEAR - 5, 6, 1, 10), MAX_MINUTES)
    assert time_module.perf_counter() - started < 0.5
    assert clock._tables.count(None) >= len(clock._tables) - 2


def test_a_years_table_costs_a_few_milliseconds() -> None:
    clock = BusinessClock()
    clock.deadline(tokyo(2026, 6, 1, 10), 1)  # zone data and code paths warmed up
    # Best of three fresh years; the holidays of those years have never been computed before.
    best = min(
        _timed(lambda year=year: clock.deadline(tokyo(year, 6, 1, 10), 1))
        for year in (2611, 2612, 2613)
    )
    assert best < 0.025, f"building a year took {best * 1000:.1f} ms"


def _timed(call) -> float:
    started = time_module.perf_counter()
    call()
    return time_module.perf_counter() - started


@pytest.mark.parametrize("year", [1973, 1986, 1990, 2009, 2015, 2019, 2020, 2021, 2026, 2033])
def test_year_holidays_match_jpholiday_day_by_day(year: int) -> None:
    # Substitute and citizens' holidays (2009-09-22, 2015-09-22, 2026-09-22, 2033-09-22 ...)
    # come from the neighbouring dates; the one-pass scan must find exactly jpholiday's days.
    assert year_holidays(year) == dict(jpholiday.year_holidays(year))
