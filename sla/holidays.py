"""Japanese public holidays of a whole year at once, as jpholiday names them (pure, no Django).

Asking jpholiday day by day (``is_holiday`` for 365 dates, which ``year_holidays`` also does)
costs about 80 ms a year: every date runs the substitute-holiday and citizens'-holiday rules,
and those look at the neighbouring dates through every other rule again. Those two rules can
only make a holiday of a date right after a holiday on a Sunday (振替休日) or between two holidays
(国民の休日), so the year is scanned once with the plain date rules, and jpholiday itself is
asked only about the few dates next to what that scan found: the same answer for a tenth of
the cost. Years are cached per process; the answer never changes while jpholiday is loaded.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import jpholiday
from jpholiday.checker.checker import NationalHolidayChecker, TransferHolidayChecker

__all__ = ["year_holidays"]

_SUNDAY = 6  # date.weekday()


def _plain_rules() -> list:
    """jpholiday's rules that look at one date only (plus any the application registered)."""
    registry = getattr(getattr(jpholiday, "new_api", None), "registry", None)
    if registry is None:  # a jpholiday without the rule registry: the slow, always-right path
        return []
    return [
        rule
        for rule in registry.checkers()
        if not isinstance(rule, TransferHolidayChecker | NationalHolidayChecker)
    ]


@lru_cache(maxsize=1024)
def year_holidays(year: int) -> dict[date, str]:
    """``{date: name}`` of every public holiday in ``year``, substitute and citizens' included."""
    rules = _plain_rules()
    if not rules:
        return dict(jpholiday.year_holidays(year))
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    # A week before New Year: a Sunday holiday late in December moves one into January.
    found: dict[int, str] = {}
    for ordinal in range(first - 7, last + 2):
        day = date.fromordinal(ordinal)
        for rule in rules:
            if rule.is_holiday(day):
                found[ordinal] = rule.holiday_name(day)
                break
    candidates: set[int] = set()
    for ordinal in found:
        if ordinal + 1 in found:
            continue
        # ``ordinal`` ends a run of holidays: the next day may be the run's substitute holiday
        # (one of them was a Sunday) or a citizens' holiday (another holiday follows it).
        run_start = ordinal
        while run_start - 1 in found:
            run_start -= 1
        if ordinal + 2 in found or any(
            date.fromordinal(day).weekday() == _SUNDAY for day in range(run_start, ordinal + 1)
        ):
            candidates.add(ordinal + 1)
    result = {date.fromordinal(ordinal): name for ordinal, name in found.items()}
    for ordinal in sorted(candidates):
        day = date.fromordinal(ordinal)
        name = jpholiday.is_holiday_name(day)
        if name:
            result[day] = name
            # A substitute holiday can itself close a gap of one day before the next holiday.
            if ordinal + 2 in found and ordinal + 1 not in found:
                between = date.fromordinal(ordinal + 1)
                between_name = jpholiday.is_holiday_name(between)
                if between_name:
                    result[between] = between_name
    return {day: name for day, name in sorted(result.items()) if first <= day.toordinal() <= last}
