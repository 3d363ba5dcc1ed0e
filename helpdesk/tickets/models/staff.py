"""What happens around a ticket besides its messages: events in its history, canned
responses, escalations, and the staff who are told of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tickets import Ticket


class TicketEvent(models.Model):
    """Something that happened to a ticket besides a message: a change by staff, an
    escalation, a bounce, a failed send. Shown in the conversation in time order."""

    class Kind(models.TextChoices):
        STATUS = "status", _("status changed")
        PRIORITY = "priority", _("priority changed")
        ASSIGNEE = "assignee", _("assignee changed")
        QUEUE = "queue", _("queue changed")
        CATEGORY = "category", _("category changed")
        ESCALATION = "escalation", _("escalation")
        BOUNCE = "bounce", _("mail bounced")
        SEND_FAILED = "send_failed", _("sending failed")
        DEADLINES = "deadlines", _("deadlines recomputed")
        SYSTEM = "system", _("system note")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Values as stored (a status code, a user's name), shown through the kind's choices.
    old_value = models.CharField(_("before"), max_length=200, blank=True)
    new_value = models.CharField(_("after"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.kind}:{self.created_at.isoformat()}"


class CannedResponse(models.Model):
    """A ready-made answer (定型文). Its text may hold {customer_name}, {reference} and
    {reply_deadline}, filled in for the ticket being answered."""

    title = models.CharField(_("title"), max_length=100, unique=True)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.title


# --- Escalations and staff notifications (issue 10) ---------------------------------------


class Escalation(models.Model):
    """One level of one SLA timer that fired on a ticket. The unique constraint makes each
    fire once, however often a sweep is retried or run at the same time as another."""

    class Timer(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("first response")
        NEXT_RESPONSE = "next_response", _("next response")
        RESOLUTION = "resolution", _("resolution")

    class Level(models.TextChoices):
        WARNING = "warning", _("warning")
        BREACH = "breach", _("breach")
        OVERDUE = "overdue", _("overdue")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="escalations"
    )
    timer = models.CharField(_("timer"), max_length=20, choices=Timer.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    # The next-response timer restarts with every customer message: each round fires anew.
    timer_started_at = models.DateTimeField(_("timer started at"))
    fired_at = models.DateTimeField(_("fired at"))

    class Meta:
        ordering = ["fired_at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "timer", "level", "timer_started_at"],
                name="escalation_fires_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.timer}:{self.level}"


class StaffProfile(models.Model):
    """A staff member's preferences: the language of the mail the desk sends them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="ja"
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.language}"


class QueueSupervisor(models.Model):
    """A supervisor of one queue: told of that queue's escalations (the warnings of its
    unassigned tickets, its breaches) instead of every supervisor of the desk. A queue with
    none falls back to the supervisors' group, and a desk without supervisors to its admins."""

    queue = models.CharField(_("queue"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.CASCADE,
        related_name="supervised_queues",
    )

    class Meta:
        ordering = ["queue", "user_id"]
        verbose_name = _("queue supervisor")
        verbose_name_plural = _("queue supervisors")
        constraints = [
            models.UniqueConstraint(fields=["queue", "user"], name="queue_supervisor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.queue}: {self.user_id}"


class StaffNotification(models.Model):
    """Something a staff member should know: shown in the console (unread until opened) and
    sent by mail in a digest, one mail per recipient per sweep."""

    class Kind(models.TextChoices):
        ESCALATION = "escalation", _("escalation")
        CONSENT_GRANTED = "consent_granted", _("remote support consent granted")
        CONSENT_DECLINED = "consent_declined", _("remote support consent declined")
        CONSENT_REVOKED = "consent_revoked", _("remote support consent revoked")
        CONSENT_EXPIRED = "consent_expired", _("remote support request expired")
        CONSENT_UNANSWERED = "consent_unanswered", _("remote support request unanswered")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="staff_notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_notifications",
    )
    # Codes (timer, level), rendered in the reader's language when shown or mailed.
    timer = models.CharField(_("timer"), max_length=20, blank=True)
    level = models.CharField(_("level"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["recipient"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_unmailed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.kind}:{self.ticket_id}"
