"""Tickets and their conversation: who wrote in, what they asked, every message and file."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sla.models import Category, Priority


class Organization(models.Model):
    """A customer company; its monthly fee is the base of the SLA's service credit."""

    name = models.CharField(_("company"), max_length=200, unique=True)
    monthly_fee = models.DecimalField(
        _("monthly fee (JPY)"), max_digits=12, decimal_places=0, default=0
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person who writes to the desk, known by their (lower-cased) mail address."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    email_undeliverable = models.BooleanField(_("mail undeliverable"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class ReferenceCounter(models.Model):
    """The last ticket number handed out. Incremented inside the transaction that creates the
    ticket, so a rolled-back creation gives its number back: no gaps, no duplicates."""

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


# The sort key of a ticket without a running deadline: after every real one.
NO_DEADLINE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
INACTIVE_STATUSES = ("resolved", "closed")
# The columns the SLA timers write (sla/timers.py): what a bulk write of refreshed tickets saves.
SLA_FIELDS = [
    "first_response_due",
    "next_response_due",
    "resolution_due",
    "business_seconds_consumed",
    "sla_state",
    "next_escalation_at",
    "escalation_level",
]


def next_deadline_expression() -> models.Case:
    """The earliest running deadline, as SQL (a stored generated column): the first response's
    until staff answered once, the next response's while the customer waits, the resolution's
    always; nothing while paused or finished. ``listing.ticket_next_deadline`` says the same in
    Python."""
    running_first = models.Q(first_responded_at__isnull=True)
    return models.Case(
        models.When(
            models.Q(status__in=INACTIVE_STATUSES)
            | models.Q(sla_paused_since__isnull=False)
            | models.Q(resolution_due__isnull=True),
            then=models.Value(NO_DEADLINE),
        ),
        models.When(
            running_first & models.Q(first_response_due__lt=models.F("resolution_due")),
            then=models.F("first_response_due"),
        ),
        models.When(running_first, then=models.F("resolution_due")),
        models.When(
            next_response_due__lt=models.F("resolution_due"), then=models.F("next_response_due")
        ),
        default=models.F("resolution_due"),
        output_field=models.DateTimeField(),
    )


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        OPEN = "open", _("open")
        PENDING_CUSTOMER = "pending_customer", _("pending customer")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")

    class Channel(models.TextChoices):
        MAIL = "mail", _("mail")
        WEB = "web", _("web")
        PHONE = "phone", _("phone")

    class SlaState(models.TextChoices):
        OK = "ok", _("on track")
        WARNING = "warning", _("warning")
        BREACHED = "breached", _("breach")

    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    # Unique by a constraint, not ``unique=True``, which would add a second (LIKE) index that
    # no query uses and every new ticket row version pays for.
    reference = models.CharField(_("reference number"), max_length=30, editable=False)
    subject = models.CharField(_("subject"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.CharField(_("category"), max_length=50, choices=Category.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    requester = models.ForeignKey(
        Contact, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="tickets"
    )
    # Indexed by ticket_assignee_status_idx, which leads with it (see Meta).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    queue = models.CharField(_("queue"), max_length=50, blank=True)
    # The customer's language, for mail we send them (the acknowledgement, later answers).
    language = models.CharField(_("language"), max_length=10, default="ja")
    # Set when an acknowledgement is owed and cleared once it is sent or has finally failed,
    # so a periodic task can send any whose enqueue was lost (a broker outage at intake).
    acknowledgement_pending = models.BooleanField(_("acknowledgement pending"), default=False)
    received_at = models.DateTimeField(_("received at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # SLA timers (see sla/timers.py). Deadlines are instants on the business clock.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    next_response_started_at = models.DateTimeField(
        _("next response counted from"), null=True, blank=True
    )
    next_response_pause_offset = models.PositiveBigIntegerField(default=0, editable=False)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    sla_paused_since = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    paused_business_seconds = models.PositiveBigIntegerField(
        _("paused business seconds"), default=0
    )
    business_seconds_consumed = models.PositiveBigIntegerField(
        _("business seconds consumed"), default=0
    )
    sla_state = models.CharField(
        _("SLA state"), max_length=10, choices=SlaState.choices, default=SlaState.OK
    )
    # The highest escalation level its running timers have reached (sla.timers): 0 none,
    # 1 warning, 2 breach, 3 overdue.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    # Indexed only where set (ticket_related_idx): nearly every ticket has none.
    related_ticket = models.ForeignKey(
        "self",
        verbose_name=_("related ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        db_index=False,
    )
    # The next running deadline, for sorting and keyset pagination of the staff list; tickets
    # with no running deadline (paused, resolved, closed) carry NO_DEADLINE and sort last.
    sort_due_at = models.GeneratedField(
        expression=next_deadline_expression(),
        output_field=models.DateTimeField(),
        db_persist=True,
        verbose_name=_("next deadline"),
    )

    # Not a column: ``ticket_open`` sets it on the ticket it returns, so its callers have the
    # first message without another query.
    opening_message: Message

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Every index costs each new ticket row version an entry, and a closure change writes
        # one for every open ticket: none here is redundant with another.
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="ticket_reference_unique"),
        ]
        indexes = [
            models.Index(
                fields=["related_ticket"],
                condition=models.Q(related_ticket__isnull=False),
                name="ticket_related_idx",
            ),
            # The sweep's order, and its keyset: each batch starts after the last one's ticket.
            models.Index(fields=["next_escalation_at", "id"], name="ticket_next_escalation_idx"),
            models.Index(fields=["status", "-received_at"], name="ticket_status_received_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["sla_state", "status"], name="ticket_sla_state_idx"),
            # The staff list's sorts, each with the primary key as the keyset tie-breaker.
            models.Index(fields=["sort_due_at", "id"], name="ticket_sort_due_idx"),
            models.Index(fields=["received_at", "id"], name="ticket_received_idx"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
            models.Index(fields=["assignee", "sort_due_at", "id"], name="ticket_assignee_due_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(acknowledgement_pending=True),
                name="ticket_ack_pending_idx",
            ),
            # The console's dashboard counts open tickets by state and queue from this index
            # alone (an index-only scan), never reading the wide rows.
            models.Index(
                fields=["status", "sla_state", "queue"],
                condition=~models.Q(status__in=INACTIVE_STATUSES),
                name="ticket_active_counts_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_active(self) -> bool:
        """Still being worked on: its SLA clock can run."""
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)


class TicketSearchDocument(models.Model):
    """What staff search a ticket by, as character bigrams (see helpdesk/tickets/search.py),
    written by the services with every message.

    A row of its own, not a column of the ticket: a ticket row changes whenever its deadlines
    move (after every closure change, for every open ticket), and each new version of a ticket
    row would enter all of its hundreds of bigrams into the search index again.
    """

    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    bigrams = models.TextField(_("search document"), blank=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"{self.ticket_id}"


class Message(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("from the customer")
        OUTBOUND = "outbound", _("to the customer")
        NOTE = "note", _("internal note")

    class DeliveryStatus(models.TextChoices):
        NOT_APPLICABLE = "", _("not sent by mail")
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    is_automatic = models.BooleanField(_("automatic"), default=False)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_contact = models.ForeignKey(
        Contact,
        verbose_name=_("customer author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Ticket.Channel.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("sanitised HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=500, blank=True)
    references = models.TextField(_("References"), blank=True)
    recipient = models.EmailField(_("recipient"), blank=True)
    # Addresses the customer copied in: they may reply on the same ticket.
    cc_addresses = models.TextField(_("Cc"), blank=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryStatus.choices, blank=True, default=""
    )
    delivery_error = models.TextField(_("delivery error"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_time_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(delivery_status="queued"),
                name="message_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.kind}:{self.created_at.isoformat()}"

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under the content hash, never under the sender's file name.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class TicketAccessToken(models.Model):
    """The key in a customer's status-page link. Only its SHA-256 is stored."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="access_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("status page link")
        verbose_name_plural = _("status page links")

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.token_hash[:8]}"
