"""Dates, times and desk hours as customers read them: always in Japan time.

Japanese: ``2026年12月30日(水) 11:00``. English: ``Wed 30 Dec 2026 11:00 (JST)``. The English
names are fixed here rather than taken from the process locale, so a worker's locale never
changes what a customer is told.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils import timezone, translation

from sla.calendars import parse_windows

register = template.Library()

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def _desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.SLA_TIME_ZONE)


def _is_japanese(language: str | None) -> bool:
    return (language or translation.get_language() or settings.LANGUAGE_CODE).startswith("ja")


def format_date(value: datetime.date, *, language: str | None = None) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, _desk_zone()).date()
    if _is_japanese(language):
        return f"{value.year}年{value.month}月{value.day}日({WEEKDAYS_JA[value.weekday()]})"
    return f"{WEEKDAYS_EN[value.weekday()]} {value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def format_datetime(value: datetime.datetime, *, language: str | None = None) -> str:
    """An instant as the desk's customers read it, in the desk's zone (Asia/Tokyo)."""
    local = timezone.localtime(value, _desk_zone())
    day = format_date(local.date(), language=language)
    if _is_japanese(language):
        return f"{day} {local:%H:%M}"
    return f"{day} {local:%H:%M} (JST)"


def format_desk_windows(*, language: str | None = None) -> str:
    """``10:00〜12:00、13:00〜17:00`` (or ``10:00–12:00, 13:00–17:00``) from the settings."""
    windows = parse_windows(settings.SLA_DESK_WINDOWS)
    japanese = _is_japanese(language)
    dash, separator = ("〜", "、") if japanese else ("–", ", ")
    return separator.join(f"{start:%H:%M}{dash}{end:%H:%M}" for start, end in windows)


@register.filter
def jp_datetime(value: datetime.datetime | None) -> str:
    """``{{ ticket.first_response_due|jp_datetime }}`` → ``2026年12月30日(水) 11:00``."""
    if value is None:
        return ""
    return format_datetime(value)


@register.filter
def jp_date(value: datetime.date | None) -> str:
    """``{{ closure.date|jp_date }}`` → ``2026年12月29日(火)``."""
    if value is None:
        return ""
    return format_date(value)


@register.simple_tag
def desk_windows() -> str:
    return format_desk_windows()


@register.simple_tag
def helpdesk_name() -> str:
    return settings.HELPDESK_NAME


@register.simple_tag(takes_context=True)
def path_without_language(context: template.Context) -> str:
    """The current path and query without ``lang``, so a language switch is not undone by it."""
    request = context.get("request")
    if request is None:
        return "/"
    query = [(key, value) for key, value in request.GET.items() if key != "lang"]
    return request.path + (f"?{urlencode(query)}" if query else "")
