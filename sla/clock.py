"""Business-hours clock for support-desk SLAs.

The desk is open in fixed daily windows (by default 10:00-12:00 and 13:00-17:00 Asia/Tokyo) on
business days: Monday to Friday, except Japanese public holidays (``jpholiday``), the bank
closing days 31 December to 3 January, and any closures the operator adds.

Everything the queries need is precomputed per calendar year, the first time a year is touched:
the open intervals of the year as absolute epoch seconds, plus the number of open seconds before
each interval. A query then costs one conversion of the input to epoch seconds and one or two
``bisect`` calls over the year's ~500 intervals, with no loop over days or minutes; one bisect
over intervals does the work of "find the day, then the window within the day". Working in
absolute seconds rather than local wall time keeps zones with daylight saving time correct
without special cases; the one shortcut, for inputs already in the clock's zone in a year with a
single UTC offset (Asia/Tokyo since 1952), only changes how the input is read.

This module deliberately has no Django imports, so it can be tested and benchmarked on its own.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .holidays import year_holidays

__all__ = [
    "BANK_CLOSING_DAYS",
    "BANK_CLOSING_REASON",
    "DEFAULT_CLOSURE_REASON",
    "DEFAULT_TIME_ZONE",
    "DEFAULT_WEEKDAYS",
    "DEFAULT_WINDOWS",
    "MAX_MINUTES",
    "MAX_YEAR",
    "MIN_YEAR",
    "POSITION_ORIGIN_YEAR",
    "BusinessClock",
    "DayInfo",
    "DayKind",
]

DEFAULT_TIME_ZONE = "Asia/Tokyo"
DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(10), time(12)), (time(13), time(17)))
DEFAULT_WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)

BANK_CLOSING_REASON = "年末年始休業"
# Used when closures are given as bare dates, without a reason of their own.
DEFAULT_CLOSURE_REASON = "臨時休業"
# (month, day) pairs on which Japanese banks are closed regardless of the weekday.
BANK_CLOSING_DAYS = frozenset({(12, 31), (1, 1), (1, 2), (1, 3)})

# Zone data before 1900 is local mean time, which no desk ever used; jpholiday computes the
# equinox holidays up to about 3000. Keeping the range to eleven centuries also bounds the work
# of any single call: the longest possible span touches 1,100 year tables of a few ms each.
MIN_YEAR = 1900
MAX_YEAR = 2999
# The largest amount deadline() accepts (add_seconds: 60 times this): 38 years of wall-clock
# minutes, about 230 years of desk time. Anything larger is refused at once, before any work.
MAX_MINUTES = 20_000_000

# position() counts business seconds from local midnight on 1 January of this year. Computing a
# position for a year N years away from it builds the tables of the N years in between once.
POSITION_ORIGIN_YEAR = 2026

DayKind = Literal["business", "weekend", "public_holiday", "bank_closing", "closure"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ONE_SECOND = timedelta(seconds=1)
_SECONDS_PER_DAY = 86_400
# Daylight-saving transitions are found by sampling the UTC offset at this interval and then
# bisecting to the exact second; no zone in the tz database changes offset twice this quickly.
_OFFSET_SAMPLE_SECONDS = 3 * 3_600
_YEAR_COUNT = MAX_YEAR - MIN_YEAR + 1
_NO_ZONE = object()  # is never any datetime's tzinfo


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the desk calendar says about one date, for calendars and explanations in the UI."""

    date: date
    is_business_day: bool
    kind: DayKind
    # "" for business days and weekends (the caller localises those), the jpholiday name for
    # public holidays, BANK_CLOSING_REASON for bank closing days, the caller's reason for closures.
    reason: str


class _YearTable:
    """Open intervals of one local calendar year, in epoch seconds, with running totals.

    Interval ``i`` is ``[starts[i], ends[i])``; ``before[i]`` and ``after[i]`` are the open seconds
    of the year before its start and at its end. ``after`` is what ``deadline`` bisects on.
    """

    __slots__ = ("after", "before", "ends", "fixed_offset", "starts", "total")

    def __init__(self, intervals: list[tuple[int, int]], fixed_offset: int | None) -> None:
        # The zone's UTC offset in seconds if it is the same all year, else None.
        self.fixed_offset = fixed_offset
        self.starts = [start for start, _ in intervals]
        self.ends = [end for _, end in intervals]
        self.before: list[int] = []
        self.after: list[int] = []
        running = 0
        for start, end in intervals:
            self.before.append(running)
            running += end - start
            self.after.append(running)
        self.total = running


def _resolve_time_zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {tz!r}") from error
    raise TypeError(f"tz must be a zone name or a tzinfo, got {type(tz).__name__}")


def _window_seconds(windows: Iterable[tuple[time, time]]) -> tuple[tuple[int, int], ...]:
    """Validate the daily windows and return them as seconds since local midnight."""
    result: list[tuple[int, int]] = []
    for window in windows:
        try:
            opens, closes = window
        except (TypeError, ValueError) as error:
            raise ValueError(f"each window must be a (start, end) pair, got {window!r}") from error
        for value in (opens, closes):
            if not isinstance(value, time):
                raise TypeError(f"window bounds must be datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"window bounds are wall-clock times without tzinfo: {value}")
            if value.microsecond:
                raise ValueError(f"window bounds must be whole seconds, got {value}")
        start = opens.hour * 3600 + opens.minute * 60 + opens.second
        end = closes.hour * 3600 + closes.minute * 60 + closes.second
        if start >= end:
            raise ValueError(f"window start must be before its end: {opens}-{closes}")
        if result and start < result[-1][1]:
            raise ValueError(
                f"windows must be sorted and must not overlap: {opens}-{closes} starts before "
                "the previous window ends"
            )
        result.append((start, end))
    if not result:
        raise ValueError("at least one daily window is required")
    return tuple(result)


def _validate_weekdays(weekdays: Iterable[int]) -> frozenset[int]:
    result = frozenset(weekdays)
    if not result:
        raise ValueError("at least one weekday is required (0=Monday ... 6=Sunday)")
    for weekday in result:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekdays are integers 0=Monday ... 6=Sunday, got {weekday!r}")
    return result


def _validate_closures(closures: Mapping[date, str] | Iterable[date]) -> dict[date, str]:
    if isinstance(closures, Mapping):
        items = list(closures.items())
    else:
        items = [(closed, DEFAULT_CLOSURE_REASON) for closed in closures]
    result: dict[date, str] = {}
    for closed, reason in items:
        # A datetime key would never match the date lookups, silently keeping the desk open.
        if isinstance(closed, datetime) or not isinstance(closed, date):
            raise TypeError(f"closures are keyed by datetime.date, got {closed!r}")
        if not isinstance(reason, str):
            raise TypeError(f"closure reason for {closed} must be a str, got {reason!r}")
        result[closed] = reason
    return result


@lru_cache(maxsize=16)
def _year_start_seconds(tz: tzinfo) -> list[int]:
    """Epoch second of local midnight on 1 January of MIN_YEAR ... MAX_YEAR + 1.

    Shared by all clocks in the same zone; ``bisect`` on it maps an instant to its local year.
    Any instant between the last window of a year and the first of the next would do, so a
    midnight that falls in a DST gap needs no special care.
    """
    starts = []
    for year in range(MIN_YEAR, MAX_YEAR + 2):
        midnight_wall = (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _SECONDS_PER_DAY
        # Guess with the offset at the wall time read as UTC, then correct once; this uses
        # fromtimestamp only, which is right for zoneinfo and pytz zones alike.
        guess = midnight_wall - _utc_offset_seconds(tz, midnight_wall)
        starts.append(midnight_wall - _utc_offset_seconds(tz, guess))
    return starts


def _utc_offset_seconds(tz: tzinfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, tz).utcoffset()
    if offset is None:
        raise ValueError(f"time zone {tz} gives no UTC offset")
    return offset // _ONE_SECOND


class BusinessClock:
    """Business-time arithmetic for one desk calendar.

    All methods take timezone-aware datetimes in any zone and return datetimes in the clock's
    zone. Inputs are truncated to whole seconds. Year tables are built lazily, so the first call
    touching a year costs a few milliseconds (``sla.holidays``); later calls are O(log n), a
    couple of microseconds. Concurrent first use from several threads at worst builds a table
    twice. Closures are copied: build a new clock when they change.
    """

    def __init__(
        self,
        *,
        tz: str | tzinfo = DEFAULT_TIME_ZONE,
        windows: Sequence[tuple[time, time]] = DEFAULT_WINDOWS,
        weekdays: Iterable[int] = DEFAULT_WEEKDAYS,
        closures: Mapping[date, str] | Iterable[date] = (),
        public_holidays: bool = True,
        bank_closing_days: bool = True,
    ) -> None:
        self.tz = _resolve_time_zone(tz)
        self._window_seconds = _window_seconds(windows)
        # The validated daily windows, for display.
        self.windows: tuple[tuple[time, time], ...] = tuple(
            (_time_of_day(start), _time_of_day(end)) for start, end in self._window_seconds
        )
        self._weekdays = _validate_weekdays(weekdays)
        # An upper bound of any year's open seconds (a leap year, every day open, DST included).
        self._longest_year = 367 * sum(end - start for start, end in self._window_seconds)
        self._closures = _validate_closures(closures)
        self._public_holidays = bool(public_holidays)
        self._bank_closing_days = bool(bank_closing_days)
        self._year_starts = _year_start_seconds(self.tz)
        # The zone whose datetimes may be read by their wall clock (see _locate). A pytz zone
        # is left out: a datetime carrying the bare pytz object is on local mean time.
        self._wall_clock_zone: object = (
            self.tz if isinstance(self.tz, ZoneInfo | timezone) else _NO_ZONE
        )
        # Index = year - MIN_YEAR; None until the year is first touched.
        self._tables: list[_YearTable | None] = [None] * _YEAR_COUNT
        # Business seconds from the position origin to the start of each year, filled on demand.
        self._year_bases: dict[int, int] = {POSITION_ORIGIN_YEAR - MIN_YEAR: 0}

    def __repr__(self) -> str:
        windows = ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in self.windows)
        return (
            f"BusinessClock(tz={self.tz}, windows=[{windows}], weekdays={sorted(self._weekdays)}, "
            f"closures={len(self._closures)})"
        )

    # ------------------------------------------------------------------ queries

    def deadline(self, start: datetime, minutes: int) -> datetime:
        """Earliest instant t >= start with exactly ``minutes`` business minutes in [start, t).

        A deadline that uses up a window exactly is that window's end (12:00, not 13:00).
        ``minutes == 0`` returns ``start`` itself, even outside desk hours.
        """
        if minutes.__class__ is not int or not 0 <= minutes <= MAX_MINUTES:
            _check_amount(minutes, "minutes", MAX_MINUTES)
        second, year_index = self._locate(start, "start")
        return self._advance(second, year_index, minutes * 60)

    def add_seconds(self, start: datetime, seconds: int) -> datetime:
        """``deadline`` with second resolution, e.g. for the budget left after a pause."""
        if seconds.__class__ is not int or not 0 <= seconds <= 60 * MAX_MINUTES:
            _check_amount(seconds, "seconds", 60 * MAX_MINUTES)
        second, year_index = self._locate(start, "start")
        return self._advance(second, year_index, seconds)

    def elapsed(self, start: datetime, end: datetime) -> int:
        """Business seconds in [start, end), both truncated to whole seconds first.

        Truncating before comparing keeps ``elapsed(a, deadline(a, 0)) == 0`` when ``a`` has
        microseconds, as for every other ``n``.
        """
        start_second, year_index = self._locate(start, "start")
        end_second, end_year_index = self._locate(end, "end")
        if end_second < start_second:
            raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
        table = self._tables[year_index] or self._build_year(year_index)
        if end_year_index != year_index:
            # Rare: the span crosses New Year; the years in between count by their totals.
            carried = table.total - _position_in_year(table, start_second)
            for index in range(year_index + 1, end_year_index):
                carried += (self._tables[index] or self._build_year(index)).total
            end_table = self._tables[end_year_index] or self._build_year(end_year_index)
            return carried + _position_in_year(end_table, end_second)

        # Both ends in one year, the hot path: _position_in_year twice, inlined.
        starts = table.starts
        ends = table.ends
        before = table.before
        j = bisect_right(starts, end_second) - 1
        if j < 0:
            return 0
        interval_end = ends[j]
        result = before[j] + (end_second if end_second < interval_end else interval_end) - starts[j]
        i = bisect_right(starts, start_second, 0, j + 1) - 1
        if i >= 0:
            interval_end = ends[i]
            result -= (
                before[i]
                + (start_second if start_second < interval_end else interval_end)
                - starts[i]
            )
        return result

    def is_open(self, at: datetime) -> bool:
        """Whether the desk is open at that instant."""
        second, year_index = self._locate(at, "at")
        table = self._tables[year_index] or self._build_year(year_index)
        i = bisect_right(table.starts, second) - 1
        return i >= 0 and second < table.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """``at`` (whole seconds, clock zone) if the desk is open then, else the next opening."""
        second, year_index = self._locate(at, "at")
        table = self._tables[year_index] or self._build_year(year_index)
        i = bisect_right(table.starts, second) - 1
        if i >= 0 and second < table.ends[i]:
            return datetime.fromtimestamp(second, self.tz)
        i += 1
        while i >= len(table.starts):
            year_index += 1
            table = self._table_or_raise(year_index)
            i = 0
        return datetime.fromtimestamp(table.starts[i], self.tz)

    def position(self, at: datetime) -> int:
        """Business seconds from local midnight, 1 January POSITION_ORIGIN_YEAR, to ``at``.

        Negative before the origin. ``elapsed(a, b) == position(b) - position(a)``, so positions
        can be stored and subtracted for pause arithmetic. Only comparable between clocks with
        the same calendar.
        """
        second, year_index = self._locate(at, "at")
        table = self._tables[year_index] or self._build_year(year_index)
        return self._year_base(year_index) + _position_in_year(table, second)

    def instant_at_position(self, position: int) -> datetime:
        """Earliest instant whose ``position`` is ``position``: the inverse of ``position``.

        For ``n > 0``, ``deadline(start, n) == instant_at_position(position(start) + 60 * n)``.
        """
        if isinstance(position, bool) or not isinstance(position, int):
            raise TypeError(f"position must be an int, got {type(position).__name__}")
        origin = POSITION_ORIGIN_YEAR - MIN_YEAR
        # Guess the year from a typical year's length, then step to the year whose range of
        # positions (base, next base] holds the target; the guess is rarely more than a year off.
        typical_year = self._table_or_raise(origin).total or 1
        year_index = min(max(origin + position // typical_year, 0), _YEAR_COUNT - 1)
        while year_index > 0 and position <= self._year_base(year_index):
            year_index -= 1
        while position > self._year_base(year_index + 1):
            year_index += 1
            if year_index >= _YEAR_COUNT:
                raise ValueError(f"position {position} is after the last supported year {MAX_YEAR}")
        target = position - self._year_base(year_index)
        if target <= 0:
            raise ValueError(f"position {position} is before the first supported year {MIN_YEAR}")
        table = self._table_or_raise(year_index)
        i = bisect_left(table.after, target)
        return datetime.fromtimestamp(table.starts[i] + target - table.before[i], self.tz)

    # ---------------------------------------------------------------- calendar

    def day_info(self, day: date) -> DayInfo:
        """Why ``day`` is or is not a business day.

        Precedence: operator closure, then public holiday, then bank closing day, then weekend.
        """
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(
                f"day_info takes a datetime.date, got {type(day).__name__}; for an instant use "
                "at.astimezone(clock.tz).date()"
            )
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(f"{day} is outside the supported years {MIN_YEAR}-{MAX_YEAR}")
        reason = self._closures.get(day)
        if reason is not None:
            return DayInfo(day, False, "closure", reason)
        if self._public_holidays:
            holiday_name = year_holidays(day.year).get(day)
            if holiday_name:
                return DayInfo(day, False, "public_holiday", holiday_name)
        if self._bank_closing_days and (day.month, day.day) in BANK_CLOSING_DAYS:
            return DayInfo(day, False, "bank_closing", BANK_CLOSING_REASON)
        if day.weekday() not in self._weekdays:
            return DayInfo(day, False, "weekend", "")
        return DayInfo(day, True, "business", "")

    def business_days(self, year: int, month: int) -> list[DayInfo]:
        """``day_info`` for every day of the month, business or not (for a calendar view)."""
        days_in_month = calendar.monthrange(year, month)[1]
        return [self.day_info(date(year, month, day)) for day in range(1, days_in_month + 1)]

    def is_business_day(self, day: date) -> bool:
        """Whether the desk opens at all on ``day``."""
        return self.day_info(day).is_business_day

    # ---------------------------------------------------------------- internals

    def _advance(self, start_second: int, year_index: int, seconds: int) -> datetime:
        """Earliest instant with ``seconds`` business seconds between ``start_second`` and it."""
        if seconds == 0:
            return datetime.fromtimestamp(start_second, self.tz)
        table = self._tables[year_index] or self._build_year(year_index)
        # _position_in_year, inlined.
        starts = table.starts
        i = bisect_right(starts, start_second) - 1
        if i < 0:
            target = seconds
        else:
            interval_end = table.ends[i]
            target = (
                table.before[i]
                + (start_second if start_second < interval_end else interval_end)
                - starts[i]
                + seconds
            )
        # Refuse at once what cannot end before MAX_YEAR runs out, rather than building the
        # tables of every year in between first: no later year can be open for longer than this.
        if (
            target > table.total
            and target - table.total > (_YEAR_COUNT - 1 - year_index) * self._longest_year
        ):
            raise ValueError(f"result would fall after the last supported year {MAX_YEAR}")
        while target > table.total:
            target -= table.total
            year_index += 1
            table = self._table_or_raise(year_index)
        # The first interval whose running total reaches the target contains the deadline;
        # bisect_left makes a deadline that fills a window exactly stop at that window's end.
        i = bisect_left(table.after, target)
        return datetime.fromtimestamp(table.starts[i] + target - table.before[i], self.tz)

    def _locate(self, at: datetime, name: str) -> tuple[int, int]:
        """The epoch second (floored) of an aware datetime, and the index of its local year."""
        if at.__class__ is datetime and at.tzinfo is self._wall_clock_zone:
            # Already in the clock's zone, in a year with a single UTC offset (Asia/Tokyo since
            # 1952): read the wall clock, which is twice as fast as asking the zone the offset.
            year_index = at.year - MIN_YEAR
            if 0 <= year_index < _YEAR_COUNT:
                offset = (self._tables[year_index] or self._build_year(year_index)).fixed_offset
                if offset is not None:
                    wall = (at.toordinal() - _EPOCH_ORDINAL) * _SECONDS_PER_DAY + (
                        at.hour * 3600 + at.minute * 60 + at.second
                    )
                    return wall - offset, year_index
        try:
            delta = at - _EPOCH
        except TypeError:
            _require_aware(at, name)
            raise
        # Exact integer floor, also before 1970; timestamp() would round through a float and
        # ``delta // _ONE_SECOND`` is three times slower.
        second = delta.days * _SECONDS_PER_DAY + delta.seconds
        year_index = bisect_right(self._year_starts, second) - 1
        if 0 <= year_index < _YEAR_COUNT:
            return second, year_index
        return second, self._year_index(second)  # raises the out-of-range error

    def _year_index(self, second: int) -> int:
        """Index (year - MIN_YEAR) of the local year containing the epoch second."""
        index = bisect_right(self._year_starts, second) - 1
        if 0 <= index < _YEAR_COUNT:
            return index
        raise ValueError(
            f"instant {second} s after 1970-01-01 UTC is outside the supported years "
            f"{MIN_YEAR}-{MAX_YEAR}"
        )

    def _table_or_raise(self, year_index: int) -> _YearTable:
        if year_index >= _YEAR_COUNT:
            raise ValueError(f"result would fall after the last supported year {MAX_YEAR}")
        return self._tables[year_index] or self._build_year(year_index)

    def _year_base(self, year_index: int) -> int:
        """Business seconds from the position origin to the start of the year (cached)."""
        bases = self._year_bases
        base = bases.get(year_index)
        if base is not None:
            return base
        origin = POSITION_ORIGIN_YEAR - MIN_YEAR
        step = 1 if year_index > origin else -1
        known = year_index
        while known not in bases:
            known -= step
        base = bases[known]
        while known != year_index:
            if step > 0:
                base += self._table_or_raise(known).total
            else:
                base -= self._table_or_raise(known - 1).total
            known += step
            bases[known] = base
        return base

    def _build_year(self, year_index: int) -> _YearTable:
        """Compute the open intervals of one local year; the only place that loops over days."""
        year = MIN_YEAR + year_index
        year_start = self._year_starts[year_index]
        year_end = self._year_starts[year_index + 1]
        # Two days of margin cover any UTC offset, so every window of the year is inside.
        segments = self._offset_segments(
            year_start - 2 * _SECONDS_PER_DAY, year_end + 2 * _SECONDS_PER_DAY
        )
        intervals: list[tuple[int, int]] = []
        holidays = year_holidays(year) if self._public_holidays else {}
        weekdays = self._weekdays
        closures = self._closures
        bank_closing_days = self._bank_closing_days
        first_ordinal = date(year, 1, 1).toordinal()
        last_ordinal = date(year, 12, 31).toordinal()
        for ordinal in range(first_ordinal, last_ordinal + 1):
            day = date.fromordinal(ordinal)
            if (
                day.weekday() not in weekdays
                or day in closures
                or day in holidays
                or (bank_closing_days and (day.month, day.day) in BANK_CLOSING_DAYS)
            ):
                continue
            midnight_wall = (ordinal - _EPOCH_ORDINAL) * _SECONDS_PER_DAY
            for window_start, window_end in self._window_seconds:
                wall_start = midnight_wall + window_start
                wall_end = midnight_wall + window_end
                # The instants whose wall-clock time lies in the window, one constant-offset
                # stretch at a time; around a DST change a window can shrink, grow or split.
                for segment_start, segment_end, offset in segments:
                    start = max(segment_start, wall_start - offset)
                    end = min(segment_end, wall_end - offset)
                    if start < end:
                        intervals.append((start, end))
        intervals.sort()
        merged: list[tuple[int, int]] = []
        for start, end in intervals:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        table = _YearTable(merged, segments[0][2] if len(segments) == 1 else None)
        self._tables[year_index] = table
        return table

    def _offset_segments(self, low: int, high: int) -> list[tuple[int, int, int]]:
        """Split [low, high) epoch seconds into stretches of constant UTC offset (in seconds)."""
        tz = self.tz
        if isinstance(tz, timezone):
            return [(low, high, tz.utcoffset(None) // _ONE_SECOND)]

        def offset_at(second: int) -> int:
            return _utc_offset_seconds(tz, second)

        segments: list[tuple[int, int, int]] = []
        segment_start = low
        current = offset_at(low)
        probe = low
        while probe < high:
            following = min(probe + _OFFSET_SAMPLE_SECONDS, high)
            if offset_at(following) == current:
                probe = following
                continue
            # Bisect to the first second with the new offset.
            same, changed = probe, following
            while changed - same > 1:
                middle = (same + changed) // 2
                if offset_at(middle) == current:
                    same = middle
                else:
                    changed = middle
            segments.append((segment_start, changed, current))
            segment_start = probe = changed
            current = offset_at(changed)
        segments.append((segment_start, high, current))
        return segments


def _time_of_day(seconds: int) -> time:
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _position_in_year(table: _YearTable, second: int) -> int:
    """Open seconds of the table's year before the epoch second."""
    starts = table.starts
    i = bisect_right(starts, second) - 1
    if i < 0:
        return 0
    interval_end = table.ends[i]
    return table.before[i] + ((second if second < interval_end else interval_end) - starts[i])


def _check_amount(amount: object, name: str, maximum: int) -> None:
    """Slow path of the argument check: anything that is not a plain int in range."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"{name} must be an int, got {type(amount).__name__} {amount!r}")
    if amount < 0:
        raise ValueError(f"{name} must not be negative, got {amount}")
    if amount > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {amount:,}")


def _require_aware(value: object, name: str) -> None:
    """Turn the TypeError of a failed subtraction into a message that names the problem."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(
                f"{name} must be timezone-aware (got naive {value.isoformat()}); attach a zone, "
                "e.g. with django.utils.timezone.make_aware"
            )
        return
    raise TypeError(f"{name} must be a timezone-aware datetime, got {type(value).__name__}")
