"""``python manage.py sla``: business-clock arithmetic for operators and scripts.

    sla deadline START MINUTES      the reply deadline, ISO 8601 in the desk's zone
    sla elapsed START END           business seconds between two instants
    sla deadline --stdin            one "START MINUTES" pair a line in, one answer a line out
    sla elapsed --stdin             one "START END" pair a line in, one answer a line out
    sla calendar YYYY-MM            the month: business days, and why each other day is closed

An instant without an offset is read in the desk's zone (Asia/Tokyo by default).
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import dateformat, translation
from django.utils.translation import gettext as _

from sla.calendars import business_clock
from sla.clock import MAX_MINUTES, MAX_YEAR, MIN_YEAR, BusinessClock


def check_year(year: int) -> None:
    """Refuse dates the clock does not cover, in the operator's language, before any work."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            _("the year %(year)d is outside the supported years %(first)d-%(last)d")
            % {"year": year, "first": MIN_YEAR, "last": MAX_YEAR}
        )


def parse_instant(text: str, clock: BusinessClock) -> datetime.datetime:
    try:
        instant = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            _("%(text)r is not an ISO 8601 date and time (e.g. 2026-12-30T16:30+09:00)")
            % {"text": text}
        ) from None
    check_year(instant.year)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=clock.tz)
    return instant


def parse_minutes(text: str) -> int:
    try:
        minutes = int(text.strip())
    except ValueError:
        raise ValueError(_("%(text)r is not a whole number of minutes") % {"text": text}) from None
    if minutes < 0:
        raise ValueError(_("minutes must not be negative (got %(minutes)d)") % {"minutes": minutes})
    if minutes > MAX_MINUTES:
        raise ValueError(
            _("at most %(maximum)s minutes are supported (got %(minutes)s)")
            % {"maximum": f"{MAX_MINUTES:,}", "minutes": f"{minutes:,}"}
        )
    return minutes


def answer_deadline(clock: BusinessClock, start_text: str, minutes_text: str) -> str:
    start = parse_instant(start_text, clock)
    return clock.deadline(start, parse_minutes(minutes_text)).isoformat()


def answer_elapsed(clock: BusinessClock, start_text: str, end_text: str) -> str:
    start = parse_instant(start_text, clock)
    end = parse_instant(end_text, clock)
    if end < start:
        raise ValueError(
            _("the end %(end)s is before the start %(start)s")
            % {"end": end.isoformat(), "start": start.isoformat()}
        )
    return str(clock.elapsed(start, end))


class Command(BaseCommand):
    help = "Business-clock arithmetic: deadlines, elapsed business time, and month calendars."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", default=None, help="ja (default) or en")
        actions = parser.add_subparsers(dest="action", required=True)
        deadline = actions.add_parser("deadline", help="START MINUTES -> deadline")
        deadline.add_argument("start", nargs="?")
        deadline.add_argument("minutes", nargs="?")
        deadline.add_argument("--stdin", action="store_true", help="read pairs from stdin")
        elapsed = actions.add_parser("elapsed", help="START END -> business seconds")
        elapsed.add_argument("start", nargs="?")
        elapsed.add_argument("end", nargs="?")
        elapsed.add_argument("--stdin", action="store_true", help="read pairs from stdin")
        calendar = actions.add_parser("calendar", help="YYYY-MM -> the month's calendar")
        calendar.add_argument("month")

    def handle(self, *args, **options) -> None:
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            clock = business_clock()
            action = options["action"]
            if action == "calendar":
                self.print_calendar(clock, options["month"])
                return
            answer = answer_deadline if action == "deadline" else answer_elapsed
            first, second = ("start", "minutes") if action == "deadline" else ("start", "end")
            if options["stdin"]:
                self.answer_lines(clock, answer, sys.stdin)
                return
            if options[first] is None or options[second] is None:
                raise CommandError(
                    _("usage: sla %(action)s %(first)s %(second)s  (or --stdin)")
                    % {"action": action, "first": first.upper(), "second": second.upper()}
                )
            try:
                self.stdout.write(answer(clock, options[first], options[second]))
            except ValueError as error:
                raise CommandError(str(error)) from None

    def answer_lines(
        self,
        clock: BusinessClock,
        answer: Callable[[BusinessClock, str, str], str],
        lines: Iterable[str],
    ) -> None:
        """One answer per input line, in order; a bad line answers ``error: …`` in its place
        (so the output stays aligned with the input) and makes the exit status 1."""
        failures = 0
        out: list[str] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            fields = line.split()
            try:
                if len(fields) != 2:
                    raise ValueError(
                        _("expected two fields, got %(count)d") % {"count": len(fields)}
                    )
                out.append(answer(clock, fields[0], fields[1]))
            except ValueError as error:
                failures += 1
                out.append(f"error: {error}")
                self.stderr.write(
                    _("line %(number)d: %(error)s") % {"number": number, "error": error}
                )
            if len(out) >= 4096:
                self.stdout.write("\n".join(out))
                out.clear()
        if out:
            self.stdout.write("\n".join(out))
        if failures:
            raise CommandError(
                _("%(count)d line(s) could not be answered") % {"count": failures}, returncode=1
            )

    def print_calendar(self, clock: BusinessClock, month_text: str) -> None:
        try:
            year, month = (int(part) for part in month_text.split("-"))
            first_day = datetime.date(year, month, 1)
        except ValueError:
            raise CommandError(
                _("%(text)r is not a month of the form YYYY-MM (e.g. 2026-12)")
                % {"text": month_text}
            ) from None
        try:
            check_year(first_day.year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        days = clock.business_days(first_day.year, first_day.month)
        windows = _(", ").join(f"{start:%H:%M}〜{end:%H:%M}" for start, end in clock.windows)
        self.stdout.write(
            _("%(month)s calendar (%(zone)s; desk hours %(windows)s)")
            % {
                "month": dateformat.format(first_day, _("Y-m")),
                "zone": clock.tz,
                "windows": windows,
            }
        )
        for day in days:
            weekday = dateformat.format(day.date, "D")
            if day.is_business_day:
                status = _("business day")
            else:
                status = _("closed: %(reason)s") % {"reason": closed_reason(day)}
            self.stdout.write(f"{day.date.isoformat()} ({weekday}) {status}")
        open_count = sum(1 for day in days if day.is_business_day)
        self.stdout.write(
            _("%(open)d business days, %(closed)d closed days")
            % {"open": open_count, "closed": len(days) - open_count}
        )


def closed_reason(day) -> str:
    if day.kind == "weekend":
        return dateformat.format(day.date, "l")
    if day.kind == "bank_closing":
        return _("year-end closing (bank holiday)")
    if day.kind == "public_holiday":
        return _("public holiday: %(name)s") % {"name": day.reason}
    return day.reason
