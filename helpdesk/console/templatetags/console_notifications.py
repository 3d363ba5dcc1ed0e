"""The unread-notification count for the console's top bar (one indexed count a page)."""

from django import template

from helpdesk.tickets.staff_notifications import staff_notifications_unread_count

register = template.Library()


@register.simple_tag
def unread_notification_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return staff_notifications_unread_count(user=user)
