"""Benchmark ``sla.clock.BusinessClock`` against pandas and businesstimedelta, side by side.

    python benchmarks/bench_clock.py [--cases 100000] [--peer-cases 2000] [--seed 20260401]

All three compute the same two things on the same random cases (fixed seed): the deadline of
``minutes`` business minutes from a start, and the business seconds between two instants, for
the desk windows 10:00-12:00 and 13:00-17:00 Asia/Tokyo on Monday-Friday, closed on Japanese
public holidays and 31 December - 3 January. The peers are far slower, so they are timed on the
first ``--peer-cases`` cases only, and their answers are compared with ours on those cases.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time as timer
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import businesstimedelta
import jpholiday
import pandas as pd
import pytz

# Run as a plain script from the repository root, without installing the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.clock import BusinessClock

TOKYO = ZoneInfo("Asia/Tokyo")
FIRST_START = datetime(2026, 1, 1, tzinfo=TOKYO)
LAST_START = datetime(2028, 1, 1, tzinfo=TOKYO)
MAX_MINUTES = 3000
MAX_SPAN = timedelta(days=21)
# Holidays must reach well past the last deadline; businesstimedelta even looks five years
# ahead for "the next holiday" and fails if there is none.
HOLIDAY_YEARS = range(2025, 2036)
BANK_CLOSING_DAYS = ((12, 31), (1, 1), (1, 2), (1, 3))


@dataclass
class Cases:
    deadline: list[tuple[datetime, int]]
    elapsed: list[tuple[datetime, datetime]]


def make_cases(count: int, seed: int) -> Cases:
    """Starts uniform over 2026-2027 at whole seconds; most fall outside desk hours, as they do."""
    rng = random.Random(seed)
    first = int(FIRST_START.timestamp())
    last = int(LAST_START.timestamp())

    def instant() -> datetime:
        return datetime.fromtimestamp(rng.randrange(first, last), TOKYO)

    deadline = [(instant(), rng.randint(0, MAX_MINUTES)) for _ in range(count)]
    span_seconds = int(MAX_SPAN.total_seconds())
    elapsed = []
    for _ in range(count):
        start = instant()
        elapsed.append((start, start + timedelta(seconds=rng.randint(0, span_seconds))))
    return Cases(deadline, elapsed)


def closed_dates() -> list[date]:
    """Public holidays (jpholiday) and bank closing days, for the peers' holiday lists."""
    dates: set[date] = set()
    for year in HOLIDAY_YEARS:
        dates.update(day for day, _ in jpholiday.year_holidays(year))
        dates.update(date(year, month, day) for month, day in BANK_CLOSING_DAYS)
    return sorted(dates)


# --------------------------------------------------------------------------- peers


class PandasDesk:
    """The desk with ``pd.offsets.CustomBusinessHour``.

    CustomBusinessHour only adds whole hours (``n`` must be an int), and pandas has no business
    duration at all, so: whole hours come from ``start + CustomBusinessHour(n=hours)`` and
    ``pd.date_range(freq=CustomBusinessHour)``; the leftover minutes use ``rollforward`` and the
    offset's own ``end`` times with ``pd.Timedelta`` arithmetic. pandas treats a window's end
    as the next opening, and the leftover step follows that convention too.
    """

    def __init__(self, holidays: Sequence[date]) -> None:
        def offset(hours: int) -> pd.offsets.CustomBusinessHour:
            return pd.offsets.CustomBusinessHour(
                n=hours,
                start=["10:00", "13:00"],
                end=["12:00", "17:00"],
                weekmask="Mon Tue Wed Thu Fri",
                holidays=list(holidays),
            )

        self.hour = offset(1)
        # Building an offset costs more than using it; a real caller would keep them too.
        self.hours = [offset(hours) for hours in range(MAX_MINUTES // 60 + 1)]
        self.closes = self.hour.end

    def _window_close(self, at: pd.Timestamp) -> pd.Timestamp:
        """End of the window ``at`` is in (``at`` is always on the offset here)."""
        at_time = at.time()
        for close in self.closes:
            if at_time <= close:
                return at.replace(hour=close.hour, minute=close.minute, second=0, microsecond=0)
        raise AssertionError(f"{at} is not within desk hours")

    def _next_opening_after(self, close: pd.Timestamp) -> pd.Timestamp:
        # pandas calls a window's end "on offset", so step off it first (inputs are whole seconds).
        return self.hour.rollforward(close + pd.Timedelta(seconds=1))

    def deadline(self, start: pd.Timestamp, minutes: int) -> pd.Timestamp:
        hours, rest = divmod(minutes, 60)
        at = start + self.hours[hours] if hours else self.hour.rollforward(start)
        if rest:
            close = self._window_close(at)
            needed = pd.Timedelta(minutes=rest)
            room = close - at
            at = at + needed if needed < room else self._next_opening_after(close) + needed - room
        return at

    def elapsed(self, start: pd.Timestamp, end: pd.Timestamp) -> int:
        first = self.hour.rollforward(start)
        if first >= end:
            return 0
        marks = pd.date_range(first, end, freq=self.hour)  # one per business hour, <= end
        last = marks[-1]
        close = self._window_close(last)
        if end <= close:
            rest = end - last
        else:
            rest = close - last + max(pd.Timedelta(0), end - self._next_opening_after(close))
        return (len(marks) - 1) * 3600 + int(rest.total_seconds())


class BusinessTimeDeltaDesk:
    """The desk with businesstimedelta: two WorkDayRules plus a HolidayRule (pytz zone)."""

    def __init__(self, holidays: Sequence[date]) -> None:
        tz = pytz.timezone("Asia/Tokyo")
        weekdays = [0, 1, 2, 3, 4]
        self.rule = businesstimedelta.Rules(
            [
                businesstimedelta.WorkDayRule(time(10), time(12), weekdays, tz=tz),
                businesstimedelta.WorkDayRule(time(13), time(17), weekdays, tz=tz),
                businesstimedelta.HolidayRule(set(holidays), tz=tz),
            ]
        )

    def deadline(self, start: datetime, minutes: int) -> datetime:
        return start + businesstimedelta.BusinessTimeDelta(self.rule, seconds=minutes * 60)

    def elapsed(self, start: datetime, end: datetime) -> int:
        return int(self.rule.difference(start, end).timedelta.total_seconds())


# --------------------------------------------------------------------------- measuring


def microseconds_per_call(
    function: Callable, arguments: Sequence[tuple], repeats: int
) -> tuple[float, list]:
    """Best of ``repeats`` passes, in µs per call, and the results of the last pass."""
    best = float("inf")
    results: list = []
    for _ in range(repeats):
        began = timer.perf_counter()
        results = [function(*pair) for pair in arguments]
        best = min(best, timer.perf_counter() - began)
    return best / len(arguments) * 1e6, results


@dataclass
class Agreement:
    """How a peer's answers compare with ours, by reason."""

    same: int = 0
    window_end: int = 0
    zero_minutes: int = 0
    other: list[str] = field(default_factory=list)


def epoch(value: datetime) -> int:
    return int(value.timestamp())


def compare_deadlines(
    clock: BusinessClock, cases: Sequence[tuple[datetime, int]], ours: list, theirs: list
) -> Agreement:
    agreement = Agreement()
    for (start, minutes), our, their in zip(cases, ours, theirs, strict=True):
        if epoch(our) == epoch(their):
            agreement.same += 1
        elif (
            minutes == 0
            and not clock.is_open(start)
            and epoch(their) == epoch(clock.next_open(start))
        ):
            agreement.zero_minutes += 1
        elif (
            not clock.is_open(our)
            and clock.is_open(our - timedelta(seconds=1))
            and epoch(their) == epoch(clock.next_open(our))
        ):
            agreement.window_end += 1
        else:
            agreement.other.append(
                f"{start.isoformat()} + {minutes} min: ours {our}, theirs {their}"
            )
    return agreement


def compare_elapsed(
    cases: Sequence[tuple[datetime, datetime]], ours: list, theirs: list
) -> Agreement:
    agreement = Agreement()
    for (start, end), our, their in zip(cases, ours, theirs, strict=True):
        if our == their:
            agreement.same += 1
        else:
            agreement.other.append(f"{start.isoformat()} .. {end.isoformat()}: {our} vs {their}")
    return agreement


def describe(name: str, what: str, agreement: Agreement, total: int) -> list[str]:
    lines = [f"  {name:<18} {what:<9} {agreement.same:>6,} of {total:,} identical"]
    if agreement.window_end:
        lines.append(
            f"  {'':<28} {agreement.window_end:>6,} land exactly on a window's end: {name} moves "
            "them to the next opening (the same business time; we return the end)"
        )
    if agreement.zero_minutes:
        lines.append(
            f"  {'':<28} {agreement.zero_minutes:>6,} are 0 minutes outside desk hours: {name} "
            "returns the next opening, the spec says the start itself"
        )
    lines.append(f"  {'':<28} {len(agreement.other):>6,} other disagreements")
    lines.extend(f"  {'':<30} e.g. {example}" for example in agreement.other[:5])
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases for sla.clock")
    parser.add_argument(
        "--peer-cases", type=int, default=2_000, help="first N cases for pandas/businesstimedelta"
    )
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--repeats", type=int, default=3, help="passes for sla.clock (best)")
    options = parser.parse_args(argv)
    peer_count = min(options.peer_cases, options.cases)
    began = timer.perf_counter()

    cases = make_cases(options.cases, options.seed)
    clock = BusinessClock()
    # Build the year tables up front (before anything else warms jpholiday's own cache), so
    # the timings below are of queries only.
    warm_up = timer.perf_counter()
    for year in (2026, 2027, 2028):
        clock.is_open(datetime(year, 6, 1, tzinfo=TOKYO))
    table_seconds = timer.perf_counter() - warm_up
    holidays = closed_dates()
    pandas_desk = PandasDesk(holidays)
    btd_desk = BusinessTimeDeltaDesk(holidays)

    deadline_subset = cases.deadline[:peer_count]
    elapsed_subset = cases.elapsed[:peer_count]
    # pandas works on Timestamps; convert outside the timed loop.
    pandas_deadline_cases = [(pd.Timestamp(start), minutes) for start, minutes in deadline_subset]
    pandas_elapsed_cases = [
        (pd.Timestamp(start), pd.Timestamp(end)) for start, end in elapsed_subset
    ]

    ours_deadline_us, ours_deadlines = microseconds_per_call(
        clock.deadline, cases.deadline, options.repeats
    )
    ours_elapsed_us, ours_elapsed = microseconds_per_call(
        clock.elapsed, cases.elapsed, options.repeats
    )
    pandas_deadline_us, pandas_deadlines = microseconds_per_call(
        pandas_desk.deadline, pandas_deadline_cases, 1
    )
    pandas_elapsed_us, pandas_elapsed = microseconds_per_call(
        pandas_desk.elapsed, pandas_elapsed_cases, 1
    )
    btd_deadline_us, btd_deadlines = microseconds_per_call(btd_desk.deadline, deadline_subset, 1)
    btd_elapsed_us, btd_elapsed = microseconds_per_call(btd_desk.elapsed, elapsed_subset, 1)

    rows = [
        ("sla.clock", ours_deadline_us, ours_elapsed_us, options.cases),
        ("pandas", pandas_deadline_us, pandas_elapsed_us, peer_count),
        ("businesstimedelta", btd_deadline_us, btd_elapsed_us, peer_count),
    ]
    print(
        f"sla.clock benchmark: seed {options.seed}; starts uniform over 2026-2027 Asia/Tokyo "
        f"at whole seconds; deadlines of 0-{MAX_MINUTES} min; elapsed spans of 0-21 days"
    )
    print(
        f"CPython {platform.python_version()}, pandas {pd.__version__}, businesstimedelta "
        f"1.0.1 (pytz {pytz.__version__}); building 3 year tables took {table_seconds * 1e3:.0f} ms"
    )
    print()
    print(f"  {'':<18} {'deadline':>12} {'elapsed':>12} {'cases timed':>13}")
    for name, deadline_us, elapsed_us, count in rows:
        print(f"  {name:<18} {deadline_us:>9.2f} µs {elapsed_us:>9.2f} µs {count:>13,}")
    print()
    print("  speed-up (their µs per call / ours)")
    for name, deadline_us, elapsed_us, _ in rows[1:]:
        print(
            f"  {name:<18} {deadline_us / ours_deadline_us:>11,.0f}x "
            f"{elapsed_us / ours_elapsed_us:>11,.0f}x"
        )
    print()
    print(
        "  how the peers are used: pandas has no business duration and CustomBusinessHour adds\n"
        "  whole hours only, so pandas deadline = start + CustomBusinessHour(n=hours) (offsets\n"
        "  prebuilt) with the leftover minutes done by rollforward and Timedelta, and pandas\n"
        "  elapsed = business hours counted by date_range(freq=CustomBusinessHour) plus the last\n"
        "  partial hour. businesstimedelta = two WorkDayRules and a HolidayRule in one Rules;\n"
        "  start + BusinessTimeDelta(rule, seconds=...) and rule.difference(start, end)."
    )
    print()
    print(f"  agreement with sla.clock on the first {peer_count:,} cases")
    ours_deadline_subset = ours_deadlines[:peer_count]
    ours_elapsed_subset = ours_elapsed[:peer_count]
    report = [
        *describe(
            "pandas",
            "deadline",
            compare_deadlines(clock, deadline_subset, ours_deadline_subset, pandas_deadlines),
            peer_count,
        ),
        *describe(
            "pandas",
            "elapsed",
            compare_elapsed(elapsed_subset, ours_elapsed_subset, pandas_elapsed),
            peer_count,
        ),
        *describe(
            "businesstimedelta",
            "deadline",
            compare_deadlines(clock, deadline_subset, ours_deadline_subset, btd_deadlines),
            peer_count,
        ),
        *describe(
            "businesstimedelta",
            "elapsed",
            compare_elapsed(elapsed_subset, ours_elapsed_subset, btd_elapsed),
            peer_count,
        ),
    ]
    print("\n".join(report))
    print()
    print(f"  total run time {timer.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
