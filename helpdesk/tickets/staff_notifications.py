"""Per-staff notifications: written by the escalation sweep and by remote-support consent,
listed in the console with an unread count, and mailed as a digest (one mail per recipient
per sweep, whatever the number of tickets, in the recipient's language)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from helpdesk.core.roles import ADMIN, SUPERVISOR

from .deadlines import now_in_seconds
from .models import Escalation, QueueSupervisor, StaffNotification, StaffProfile, Ticket

logger = logging.getLogger(__name__)

DIGEST_TEMPLATE = "mail/staff_digest.txt"


def staff_ids_with_role(role: str) -> list[int]:
    """Active staff in the role's group; admins include superusers."""
    condition = Q(groups__name=role)
    if role == ADMIN:
        condition |= Q(is_superuser=True)
    users = get_user_model().objects.filter(condition, is_active=True)
    return sorted(set(users.values_list("pk", flat=True)))


class RecipientResolver:
    """Who an escalation recipient code names, for one ticket. Role lookups are cached for the
    resolver's life (one sweep batch), so a batch reads the groups once."""

    def __init__(self) -> None:
        self._roles: dict[str, list[int]] = {}
        self._queues: dict[str, list[int]] = {}

    def role(self, role: str) -> list[int]:
        if role not in self._roles:
            self._roles[role] = staff_ids_with_role(role)
        return self._roles[role]

    def supervisors(self, queue: str = "") -> list[int]:
        """The queue's own supervisors where it has any, else the supervisors' group; a desk
        without supervisors still tells someone: its admins."""
        if queue:
            if queue not in self._queues:
                self._queues[queue] = list(
                    QueueSupervisor.objects.filter(queue=queue, user__is_active=True)
                    .order_by("user_id")
                    .values_list("user_id", flat=True)
                )
            if self._queues[queue]:
                return self._queues[queue]
        return self.role(SUPERVISOR) or self.role(ADMIN)

    def resolve(self, codes: Iterable[str], ticket: Ticket) -> list[int]:
        found: set[int] = set()
        for code in codes:
            if code == "assignee":
                found.update(
                    [ticket.assignee_id] if ticket.assignee_id else self.supervisors(ticket.queue)
                )
            elif code == "supervisors":
                found.update(self.supervisors(ticket.queue))
            elif code == "admins":
                found.update(self.role(ADMIN))
        return sorted(found)


def staff_notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    ticket: Ticket | None,
    at: datetime.datetime | None = None,
) -> list[StaffNotification]:
    """One notification per recipient (the caller enqueues the digest after commit)."""
    at = at or now_in_seconds()
    return StaffNotification.objects.bulk_create(
        StaffNotification(recipient_id=pk, kind=kind, ticket=ticket, created_at=at)
        for pk in recipient_ids
    )


def staff_notifications_for(*, user, limit: int = 100) -> QuerySet[StaffNotification]:
    return StaffNotification.objects.filter(recipient=user).select_related("ticket")[:limit]


def staff_notifications_unread_count(*, user) -> int:
    return StaffNotification.objects.filter(recipient=user, read_at__isnull=True).count()


def staff_notifications_mark_read(*, user, pks: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``pks`` is None)."""
    unread = StaffNotification.objects.filter(recipient=user, read_at__isnull=True)
    if pks is not None:
        unread = unread.filter(pk__in=list(pks))
    return unread.update(read_at=now_in_seconds())


def notification_text(notification: StaffNotification) -> str:
    """One line in the active language: ``NP-000123 一次回答: 期限超過``."""
    ticket = notification.ticket  # the field is nullable
    reference = ticket.reference if ticket is not None else ""
    if notification.kind == StaffNotification.Kind.ESCALATION:
        timer = Escalation.Timer(notification.timer).label
        what = f"{timer}: {Escalation.Level(notification.level).label}"
    else:
        what = str(StaffNotification.Kind(notification.kind).label)
    return f"{reference} {what}".strip()


def staff_language(user) -> str:
    profile = StaffProfile.objects.filter(user=user).first()
    codes = {code for code, _name in settings.LANGUAGES}
    if profile is not None and profile.language in codes:
        return profile.language
    return settings.LANGUAGE_CODE


def staff_digest_send(*, user_id: int) -> int:
    """Mail the user every notification not mailed yet, in one message; returns how many.

    The rows stay locked while the mail goes out, so two digests for the same person at once
    send each notification once. A failed send raises and leaves them for the retry."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    with transaction.atomic():
        pending = list(
            StaffNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient=user, emailed_at__isnull=True)
            .select_related("ticket")
            .order_by("created_at", "pk")
        )
        if not pending:
            return 0
        if user.email:
            language = staff_language(user)
            with translation.override(language):
                lines = [
                    {
                        "text": notification_text(notification),
                        "url": settings.SITE_URL.rstrip("/")
                        + reverse("console:ticket", args=[notification.ticket_id])
                        if notification.ticket_id
                        else "",
                    }
                    for notification in pending
                ]
                subject = gettext("[Support desk] %(count)d new notification(s)") % {
                    "count": len(pending)
                }
                body = render_to_string(
                    DIGEST_TEMPLATE,
                    {
                        "user": user,
                        "lines": lines,
                        "notifications_url": settings.SITE_URL.rstrip("/")
                        + reverse("console:notifications"),
                    },
                )
            EmailMessage(subject=subject, body=body, to=[user.email]).send()
        StaffNotification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=now_in_seconds()
        )
    logger.info("staff digest user=%s notifications=%s", user_id, len(pending))
    return len(pending)
