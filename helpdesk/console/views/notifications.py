"""Each staff member's notifications (escalations, consent decisions): the list, and marking
them read. Thin: services and selectors live in helpdesk.tickets.staff_notifications."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from helpdesk.core.permissions import agent_required
from helpdesk.tickets.staff_notifications import (
    notification_text,
    staff_notifications_for,
    staff_notifications_mark_read,
    staff_notifications_unread_count,
)


@agent_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(staff_notifications_for(user=request.user))
    rows = [(notification, notification_text(notification)) for notification in notifications]
    return render(
        request,
        "console/notifications.html",
        {"rows": rows, "unread": staff_notifications_unread_count(user=request.user)},
    )


@agent_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    pks = request.POST.getlist("notification")
    staff_notifications_mark_read(
        user=request.user, pks=[int(pk) for pk in pks if pk.isdigit()] if pks else None
    )
    return redirect("console:notifications")
