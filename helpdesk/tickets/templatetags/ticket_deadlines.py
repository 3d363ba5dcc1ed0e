"""Business time left to a deadline, as the staff list shows it: 残り 1時間20分, 20分超過.

Business time, not wall-clock time: a deadline at 13:30 seen at 11:50 is 40 minutes away
(lunch does not count). The seconds come from ``helpdesk.tickets.listing.TicketRow``.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

register = template.Library()


def format_business_duration(seconds: int) -> str:
    """Whole business minutes as hours and minutes (``1時間20分``, ``45分``)."""
    minutes = abs(seconds) // 60
    if minutes == 0:
        return gettext("less than a minute")
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return gettext("%(hours)d h") % {"hours": hours}
    return gettext("%(minutes)d min") % {"minutes": minutes}


@register.filter
def business_time_left(seconds: int | None) -> str:
    """``残り 1時間20分`` before the deadline, ``1時間20分超過`` past it, empty without one."""
    if seconds is None:
        return ""
    duration = format_business_duration(seconds)
    if seconds < 0:
        return gettext("%(duration)s overdue") % {"duration": duration}
    return gettext("%(duration)s left") % {"duration": duration}


@register.filter
def deadline_css(row) -> str:
    """The CSS class of a list row's deadline: deadline-ok, -warning, -breached or -none."""
    if row.business_seconds_left is None:
        return "deadline-none"
    return f"deadline-{row.state}"
