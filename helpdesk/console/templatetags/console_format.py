"""How the console writes times, durations and events: always Tokyo wall-clock time.

``tokyo``: ``12月30日(水) 11:00`` (the year added when it is not this year);
``tokyo_full``: ``2026年12月30日(水) 11:00``. English: ``Wed 30 Dec 11:00``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpdesk.core.roles import user_is_supervisor
from helpdesk.tickets.changes import user_display_name
from helpdesk.tickets.models import Ticket, TicketEvent
from helpdesk.tickets.templatetags.ticket_deadlines import format_business_duration
from sla.models import Priority

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def _japanese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith("ja")


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, ZoneInfo(settings.SLA_TIME_ZONE))


def _day(day: datetime.date, *, with_year: bool) -> str:
    if _japanese():
        year = f"{day.year}年" if with_year else ""
        return f"{year}{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"
    year = f" {day.year}" if with_year else ""
    return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}{year}"


@register.filter
def tokyo(value: datetime.datetime | None) -> str:
    """Short Tokyo time for lists; the year only when it is not this year."""
    if not value:
        return ""
    local = _local(value)
    with_year = local.year != _local(timezone.now()).year
    return f"{_day(local.date(), with_year=with_year)} {local:%H:%M}"


@register.filter
def tokyo_full(value: datetime.datetime | None) -> str:
    if not value:
        return ""
    local = _local(value)
    return f"{_day(local.date(), with_year=True)} {local:%H:%M}"


@register.filter
def calendar_day(value: datetime.date) -> str:
    return _day(value, with_year=True)


@register.filter
def business_duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return format_business_duration(seconds)


@register.filter
def whole_minutes(value: datetime.timedelta | None) -> int:
    return int(value.total_seconds() // 60) if value else 0


@register.filter
def staff_name(user) -> str:
    return user_display_name(user)


@register.filter
def is_supervisor(user) -> bool:
    return user_is_supervisor(user)


@register.filter
def lookup(mapping: dict, key):
    return mapping.get(key, 0) if mapping else 0


# Keyed by the kind's value: a TicketEvent read from the database holds a plain str.
_LABELS: dict[str, dict[str, StrOrPromise]] = {
    TicketEvent.Kind.STATUS: dict(Ticket.Status.choices),
    TicketEvent.Kind.PRIORITY: dict(Priority.choices),
    TicketEvent.Kind.ESCALATION: dict(Ticket.SlaState.choices),
}


@register.filter
def event_summary(event: TicketEvent) -> str:
    """``ステータス: 新規 → 対応中``; a name or a free text as it was recorded (an escalation's
    detail names its timer, level and share of the target)."""
    labels = _LABELS.get(event.kind, {})
    old = labels.get(event.old_value, event.old_value) or _("(none)")
    new = labels.get(event.new_value, event.new_value) or _("(none)")
    if event.kind in (
        TicketEvent.Kind.STATUS,
        TicketEvent.Kind.PRIORITY,
        TicketEvent.Kind.ASSIGNEE,
        TicketEvent.Kind.QUEUE,
        TicketEvent.Kind.CATEGORY,
    ):
        return f"{event.get_kind_display()}: {old} → {new}"
    return (
        f"{event.get_kind_display()}: {event.detail}" if event.detail else event.get_kind_display()
    )
