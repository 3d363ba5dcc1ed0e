"""Every received mail, stored as raw bytes before anything else touches it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMail(models.Model):
    """One received mail. Nothing is lost: what cannot be processed is quarantined with its
    reason and can be processed again (``python manage.py reprocess_mail``)."""

    class Source(models.TextChoices):
        SMTP = "smtp", "SMTP"
        LMTP = "lmtp", "LMTP"
        PIPE = "pipe", _("MTA pipe")
        HTTP = "http", _("HTTP gateway")
        IMAP = "imap", "IMAP"

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        PROCESSED = "processed", _("processed")
        IGNORED = "ignored", _("ignored")
        QUARANTINED = "quarantined", _("quarantined")
        FAILED = "failed", _("failed")

    class Action(models.TextChoices):
        NONE = "", _("none yet")
        CREATED = "created", _("ticket created")
        APPENDED = "appended", _("added to ticket")
        DUPLICATE = "duplicate", _("duplicate")
        IGNORED = "ignored", _("ignored")
        QUARANTINED = "quarantined", _("quarantined")
        RECORDED = "recorded", _("report recorded")

    class Kind(models.TextChoices):
        """What classification made of the mail (``classify.KINDS``)."""

        NONE = "", _("not classified yet")
        INQUIRY = "inquiry", _("inquiry")
        REPLY = "reply", _("reply")
        AUTO_REPLY = "auto_reply", _("auto-reply")
        BOUNCE = "bounce", _("bounce")
        BULK = "bulk", _("bulk mail")
        FEEDBACK = "feedback", _("feedback report")
        INVALID = "invalid", _("invalid")

    # Message-ID, or "sha256:<hex>" for a mail without one: the same mail delivered again, by
    # any entry point, hits this unique key and changes nothing.
    dedupe_key = models.CharField(max_length=600, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_detail = models.CharField(_("source detail"), max_length=300, blank=True)
    envelope_sender = models.CharField(_("envelope sender"), max_length=500, blank=True)
    envelope_recipients = models.TextField(_("envelope recipients"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    action = models.CharField(
        _("action"), max_length=12, choices=Action.choices, blank=True, default=""
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
    )
    ticket_message = models.ForeignKey(
        "tickets.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_received_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.source} {self.status} {self.message_id or self.sha256[:12]}"


class FeedbackReport(models.Model):
    """An abuse, feedback-loop or DMARC report about mail we sent: never a ticket, kept for
    staff, and tied to the contact who complained when that address is one of ours."""

    inbound = models.OneToOneField(
        InboundMail,
        verbose_name=_("inbound mail"),
        on_delete=models.CASCADE,
        related_name="feedback_report",
    )
    feedback_type = models.CharField(_("report type"), max_length=30, db_index=True)
    reported_address = models.CharField(_("complained-about address"), max_length=254, blank=True)
    contact = models.ForeignKey(
        "tickets.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_reports",
    )
    original_message_id = models.CharField(_("original Message-ID"), max_length=500, blank=True)
    reporter = models.CharField(_("reported by"), max_length=254, blank=True)
    reported_domain = models.CharField(_("reported domain"), max_length=255, blank=True)
    source_ip = models.CharField(_("source IP"), max_length=64, blank=True)
    user_agent = models.CharField(_("reporting software"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback report")
        verbose_name_plural = _("feedback reports")

    def __str__(self) -> str:
        return f"{self.feedback_type} {self.reported_address or self.reported_domain}"


class MailGatewayToken(models.Model):
    """A key an external mail gateway presents to POST mail to the intake endpoint."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail gateway token")
        verbose_name_plural = _("mail gateway tokens")

    def __str__(self) -> str:
        return self.name


class ImapMailboxState(models.Model):
    """How far a polled IMAP mailbox has been read: UIDs are only meaningful together with
    the mailbox's UIDVALIDITY, so both are kept."""

    mailbox = models.CharField(_("mailbox"), max_length=300, unique=True)
    uid_validity = models.PositiveBigIntegerField(_("UIDVALIDITY"), default=0)
    last_uid = models.PositiveBigIntegerField(_("last stored UID"), default=0)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("IMAP mailbox state")
        verbose_name_plural = _("IMAP mailbox states")

    def __str__(self) -> str:
        return f"{self.mailbox} uid>{self.last_uid}"
