"""Remote support only with the customer's permission (SLA clause 3(b)).

A request names who asks, why, the scope and the tool; the customer sees the exact consent
text of a stored version (its SHA-256 kept with the request) and grants or declines through a
single-use link. Every step is an audit row, exportable per ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tickets.models import Ticket


class ConsentText(models.Model):
    """The consent wording shown to customers, one row per version and language. Never edited
    in place: a new wording is a new version, so what a customer agreed to stays provable."""

    version = models.CharField(_("version"), max_length=20)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "language"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="consent_text_version_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"


class RemoteSupportRequest(models.Model):
    class Scope(models.TextChoices):
        VIEW = "view", _("view the screen only")
        CONTROL = "control", _("remote control")
        FILE_TRANSFER = "file_transfer", _("file transfer")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the customer")
        GRANTED = "granted", _("granted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")
        COMPLETED = "completed", _("completed")

    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="remote_support_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    reason = models.TextField(_("reason"))
    tool = models.CharField(_("tool"), max_length=100)
    consent_text = models.ForeignKey(
        ConsentText, verbose_name=_("consent text"), on_delete=models.PROTECT, related_name="+"
    )
    # The hash of the exact text shown (the stored wording with this request's details).
    consent_text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_used_at = models.DateTimeField(_("link used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    expires_at = models.DateTimeField(_("consent valid until"))
    remind_at = models.DateTimeField(_("reminder at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_ip = models.GenericIPAddressField(_("decision IP address"), null=True, blank=True)
    decision_user_agent = models.CharField(_("decision user agent"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    session_started_at = models.DateTimeField(_("session started at"), null=True, blank=True)
    session_ended_at = models.DateTimeField(_("session ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("remote support request")
        verbose_name_plural = _("remote support requests")
        indexes = [
            models.Index(
                fields=["remind_at"],
                condition=models.Q(status="pending", reminded_at__isnull=True),
                name="remote_reminder_due_idx",
            ),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status__in=["pending", "granted"]),
                name="remote_expiry_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.scope}:{self.status}"

    @property
    def session_active(self) -> bool:
        return self.session_started_at is not None and self.session_ended_at is None


class RemoteConsentEvent(models.Model):
    """One line of the audit trail: who did what to a request, when, from where."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("requested")
        LINK_SENT = "link_sent", _("link sent to the customer")
        REMINDED = "reminded", _("reminder sent")
        GRANTED = "granted", _("granted")
        DECLINED = "declined", _("declined")
        REVOKED = "revoked", _("revoked")
        EXPIRED = "expired", _("expired")
        UNANSWERED = "unanswered", _("escalated: unanswered")
        LINK_REFUSED = "link_refused", _("used or expired link refused")
        SESSION_STARTED = "session_started", _("session started")
        SESSION_ENDED = "session_ended", _("session ended")
        SESSION_REFUSED = "session_refused", _("session refused: no valid consent")

    request = models.ForeignKey(
        RemoteSupportRequest,
        verbose_name=_("remote support request"),
        on_delete=models.CASCADE,
        related_name="audit_events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("remote support audit event")
        verbose_name_plural = _("remote support audit events")
        indexes = [models.Index(fields=["request", "at"], name="remote_audit_request_idx")]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.kind}:{self.at.isoformat()}"
