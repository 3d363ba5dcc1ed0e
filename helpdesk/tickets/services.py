"""Every write to tickets. The web form, the mail intake, the console and the API all open and
answer tickets through these functions, so the SLA timers follow the same rules everywhere."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from sla.calendars import business_clock
from sla.models import Priority

from .acknowledgements import AcknowledgementBatch
from .deadlines import now_in_seconds, ticket_sla_refresh
from .models import (
    Attachment,
    Contact,
    Message,
    Organization,
    ReferenceCounter,
    Ticket,
    TicketSearchDocument,
)
from .search import search_document, search_document_extend
from .tasks import message_send_task, ticket_acknowledge_task


@dataclass(frozen=True)
class AttachmentInput:
    """A file to attach, from a form upload or a mail part."""

    filename: str
    content_type: str
    content: bytes


def ticket_reference_allocate() -> tuple[int, str]:
    """The next number and reference. Call inside the creating transaction: the counter row is
    locked until commit, and a rollback returns the number, so references have no gaps."""
    prefix = settings.TICKET_REFERENCE_PREFIX
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        # One round trip: increment and read under the row lock (PostgreSQL and SQLite).
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE name = %s "  # noqa: S608
            "RETURNING last_value",
            ["ticket"],
        )
        row = cursor.fetchone()
    if row is None:
        # First ticket ever: create the counter (a concurrent creator may win the race).
        with transaction.atomic():
            ReferenceCounter.objects.get_or_create(name="ticket")
        return ticket_reference_allocate()
    number = row[0]
    return number, f"{prefix}-{number:06d}"


def _get_or_create(model, lookup: dict, defaults: dict):
    """``get_or_create`` with fewer round trips: one query when the row exists, and on a miss
    an insert in a savepoint (a concurrent creator may win; then read theirs)."""
    instance = model.objects.filter(**lookup).first()
    if instance is not None:
        return instance, False
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **defaults), True
    except IntegrityError:
        return model.objects.get(**lookup), False


def contact_get_or_create(
    *, email: str, name: str = "", organization_name: str = "", phone: str = ""
) -> Contact:
    """The contact for an address (case-insensitive), filling in what we did not know yet."""
    email = email.strip().lower()
    organization = None
    if organization_name.strip():
        organization, _created = _get_or_create(
            Organization, {"name": organization_name.strip()}, {}
        )
    contact, created = _get_or_create(
        Contact,
        {"email": email},
        {"name": name.strip(), "phone": phone.strip(), "organization": organization},
    )
    if not created:
        changed = []
        for field, value in (("name", name.strip()), ("phone", phone.strip())):
            if value and getattr(contact, field) != value:
                setattr(contact, field, value)
                changed.append(field)
        if organization is not None and contact.organization_id != organization.pk:
            contact.organization = organization
            changed.append("organization")
        if changed:
            contact.save(update_fields=changed)
    return contact


def _attachments_store(message: Message, attachments: Iterable[AttachmentInput]) -> None:
    """Write each file under its content hash, then insert the rows in one query."""
    records = []
    for attachment in attachments:
        digest = hashlib.sha256(attachment.content).hexdigest()
        record = Attachment(
            message=message,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
            size=len(attachment.content),
            sha256=digest,
        )
        record.file.save(digest, ContentFile(attachment.content), save=False)
        records.append(record)
    if records:
        Attachment.objects.bulk_create(records)


@transaction.atomic(savepoint=False)
def ticket_open(
    *,
    channel: str,
    requester_email: str,
    subject: str,
    body_text: str,
    requester_name: str = "",
    organization_name: str = "",
    phone: str = "",
    category: str = "",
    priority: str = Priority.NORMAL,
    received_at: datetime.datetime | None = None,
    attachments: Sequence[AttachmentInput] = (),
    body_html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    related_ticket: Ticket | None = None,
    cc_addresses: str = "",
    acknowledge: bool = True,
    acknowledgement_language: str | None = None,
    acknowledgements: AcknowledgementBatch | None = None,
) -> Ticket:
    """Open a ticket with its first customer message and start its SLA timers.

    ``acknowledge`` sends the customer an acknowledgement with the reply deadline (after
    commit, from a worker): the mail intake turns it off for mail that must not be answered.
    With ``acknowledgements`` the caller sends it, with others, after its commit.
    """
    now = now_in_seconds()
    received_at = (received_at or now).replace(microsecond=0)
    contact = contact_get_or_create(
        email=requester_email,
        name=requester_name,
        organization_name=organization_name,
        phone=phone,
    )
    number, reference = ticket_reference_allocate()
    language = acknowledgement_language or settings.LANGUAGE_CODE
    will_acknowledge = acknowledge and not contact.email_undeliverable
    ticket = Ticket(
        number=number,
        reference=reference,
        subject=subject.strip()[:300],
        priority=priority,
        category=category,
        channel=channel,
        requester=contact,
        received_at=received_at,
        related_ticket=related_ticket,
        language=language,
        acknowledgement_pending=will_acknowledge,
    )
    ticket_sla_refresh(ticket, now=now)
    ticket.save()
    TicketSearchDocument.objects.create(
        ticket=ticket,
        bigrams=search_document(reference, subject, contact.email, contact.name, body_text),
    )
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INBOUND,
        author_contact=contact,
        channel=channel,
        subject=ticket.subject,
        body_text=body_text,
        body_html=body_html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        cc_addresses=cc_addresses,
        created_at=received_at,
    )
    _attachments_store(message, attachments)
    ticket.opening_message = message  # for callers that need it without another query
    # An address our mail is known to bounce from gets no acknowledgement (it would bounce).
    if will_acknowledge:
        # robust: a broker outage must not turn a stored inquiry into an error page.
        if acknowledgements is not None:
            transaction.on_commit(
                lambda: acknowledgements.add(ticket_id=ticket.pk, language=language)
            )
        else:
            transaction.on_commit(
                lambda: ticket_acknowledge_task.delay(ticket.pk, language),
                robust=True,
            )
    return ticket


def _resume_if_paused(ticket: Ticket, now: datetime.datetime) -> None:
    if ticket.sla_paused_since is not None:
        clock = business_clock()
        ticket.paused_business_seconds += max(
            0, clock.position(now) - clock.position(ticket.sla_paused_since)
        )
        ticket.sla_paused_since = None


@transaction.atomic(savepoint=False)
def ticket_customer_reply(
    *,
    ticket: Ticket,
    body_text: str,
    contact: Contact | None = None,
    channel: str = Ticket.Channel.WEB,
    attachments: Sequence[AttachmentInput] = (),
    body_html: str = "",
    received_at: datetime.datetime | None = None,
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    cc_addresses: str = "",
) -> Message:
    """A customer writes again: resume a paused clock and start the next-response timer."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    now = now_in_seconds()
    received_at = (received_at or now).replace(microsecond=0)
    _resume_if_paused(ticket, received_at)
    if not ticket.is_active:
        ticket.resolved_at = None
    if ticket.status != Ticket.Status.NEW:
        ticket.status = Ticket.Status.OPEN
    if ticket.first_responded_at is not None:
        ticket.next_response_started_at = received_at
        ticket.next_response_pause_offset = ticket.paused_business_seconds
    _search_document_extend(ticket, body_text)
    ticket_sla_refresh(ticket, now=now)
    ticket.save()
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INBOUND,
        author_contact=contact or ticket.requester,
        channel=channel,
        body_text=body_text,
        body_html=body_html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        cc_addresses=cc_addresses,
        created_at=received_at,
    )
    _attachments_store(message, attachments)
    return message


def _search_document_extend(ticket: Ticket, text: str) -> None:
    """Make a new message's text searchable (the caller holds the ticket's row lock)."""
    document, _created = TicketSearchDocument.objects.get_or_create(ticket=ticket)
    extended = search_document_extend(document.bigrams, text)
    if extended != document.bigrams:
        document.bigrams = extended
        document.save(update_fields=["bigrams"])


@transaction.atomic
def ticket_staff_reply(
    *,
    ticket: Ticket,
    author,
    body_text: str,
    internal: bool = False,
    status: str | None = None,
    attachments: Sequence[AttachmentInput] = (),
) -> Message:
    """Staff answer (or note). A public answer is the first response if none was made yet,
    and answers the customer's last message; an internal note stops no timer."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    now = now_in_seconds()
    if not internal:
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        ticket.next_response_started_at = None
        if ticket.status == Ticket.Status.NEW:
            ticket.status = Ticket.Status.OPEN
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.NOTE if internal else Message.Kind.OUTBOUND,
        author_user=author,
        channel=ticket.channel,
        body_text=body_text,
        recipient="" if internal else ticket.requester.email,
        delivery_status="" if internal else Message.DeliveryStatus.QUEUED,
        created_at=now,
    )
    _attachments_store(message, attachments)
    if status is not None and status != ticket.status:
        _apply_status(ticket, status, now)
    _search_document_extend(ticket, body_text)
    ticket_sla_refresh(ticket, now=now)
    ticket.save()
    if not internal:
        transaction.on_commit(lambda: message_send_task.delay(message.pk), robust=True)
    return message


def ticket_system_note(*, ticket: Ticket, body_text: str) -> Message:
    """An internal event on the ticket (a bounce, a failed delivery); stops no timer."""
    return Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.NOTE,
        is_automatic=True,
        channel=ticket.channel,
        body_text=body_text,
        created_at=now_in_seconds(),
    )


def _apply_status(ticket: Ticket, status: str, now: datetime.datetime) -> None:
    if status == ticket.status:
        return
    if ticket.status == Ticket.Status.PENDING_CUSTOMER:
        _resume_if_paused(ticket, now)
    if status == Ticket.Status.PENDING_CUSTOMER:
        ticket.sla_paused_since = now
    if status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        ticket.resolved_at = ticket.resolved_at or now
        ticket.sla_paused_since = None
    else:
        ticket.resolved_at = None
    ticket.status = status


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, status: str) -> Ticket:
    """Pending customer pauses the clock; leaving it resumes; resolved and closed stop it."""
    if status not in Ticket.Status.values:
        raise ValueError(f"unknown status {status!r}")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    now = now_in_seconds()
    _apply_status(ticket, status, now)
    ticket_sla_refresh(ticket, now=now)
    ticket.save()
    return ticket


@transaction.atomic
def ticket_change_priority(*, ticket: Ticket, priority: str) -> Ticket:
    """Deadlines follow the new targets, counted from the business time already consumed."""
    if priority not in Priority.values:
        raise ValueError(f"unknown priority {priority!r}")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.priority = priority
    ticket_sla_refresh(ticket)
    ticket.save()
    return ticket
