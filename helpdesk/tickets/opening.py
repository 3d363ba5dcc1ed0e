"""Opening tickets: the one way a ticket comes into being, whether alone or many at once.

Opening is two steps. ``ticket_opening_build`` works out everything about the new ticket that
does not need its number (requester, SLA deadlines, first message) and writes nothing but the
contact. ``tickets_open`` then numbers and saves a list of them in a few statements. The number
comes last on purpose: taking it locks the reference counter until commit, and every other
ticket creation on the desk waits for that lock, so it is held for the inserts and the commit
only, not for the parsing and threading of a whole batch of mail before them.

``ticket_open`` is both steps for one ticket (the web form, the console, the API).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from helpdesk.core.rows import rows_update
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
from .search import search_document
from .tasks import ticket_acknowledge_task


@dataclass(frozen=True)
class AttachmentInput:
    """A file to attach, from a form upload or a mail part."""

    filename: str
    content_type: str
    content: bytes


def ticket_numbers_allocate(count: int) -> list[int]:
    """The next ``count`` ticket numbers, in one statement.

    Call inside the creating transaction, just before the inserts: the counter row is locked
    until commit, and a rollback returns the numbers, so references have no gaps.
    """
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        # One round trip: increment and read under the row lock (PostgreSQL and SQLite).
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + %s WHERE name = %s "  # noqa: S608
            "RETURNING last_value",
            [count, "ticket"],
        )
        row = cursor.fetchone()
    if row is None:
        # First ticket ever: create the counter (a concurrent creator may win the race).
        with transaction.atomic():
            ReferenceCounter.objects.get_or_create(name="ticket")
        return ticket_numbers_allocate(count)
    last = row[0]
    return list(range(last - count + 1, last + 1))


def ticket_reference(number: int) -> str:
    return f"{settings.TICKET_REFERENCE_PREFIX}-{number:06d}"


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


@dataclass(frozen=True)
class Requester:
    """Who writes in, as they gave it."""

    email: str
    name: str = ""
    organization_name: str = ""
    phone: str = ""


def contacts_get_or_create(requesters: Sequence[Requester]) -> list[Contact]:
    """The contact of each requester, by address (case-insensitive), created when new and
    filled in with what the requester gave, in order: a few statements for any number."""
    emails = [requester.email.strip().lower() for requester in requesters]
    organization_names = {requester.organization_name.strip() for requester in requesters}
    organizations = {
        name: _get_or_create(Organization, {"name": name}, {})[0]
        for name in organization_names
        if name
    }
    contacts = {contact.email: contact for contact in Contact.objects.filter(email__in=emails)}
    first_requesters = dict(zip(reversed(emails), reversed(requesters), strict=True))
    new = [
        Contact(
            email=email,
            name=requester.name.strip(),
            phone=requester.phone.strip(),
            organization=organizations.get(requester.organization_name.strip()),
        )
        for email, requester in first_requesters.items()
        if email not in contacts
    ]
    if new:
        # A concurrent creator may win: ours is then skipped, and theirs read back.
        Contact.objects.bulk_create(new, ignore_conflicts=True)
        contacts.update(
            (contact.email, contact)
            for contact in Contact.objects.filter(email__in=[contact.email for contact in new])
        )
    changed: dict[int, Contact] = {}
    for email, requester in zip(emails, requesters, strict=True):
        contact = contacts[email]
        if _contact_fill_in(
            contact, requester, organizations.get(requester.organization_name.strip())
        ):
            changed[contact.pk] = contact
    rows_update(list(changed.values()), ["name", "phone", "organization"])
    return [contacts[email] for email in emails]


def _contact_fill_in(
    contact: Contact, requester: Requester, organization: Organization | None
) -> bool:
    """Take the name, phone and company the requester gave; True when one changed."""
    changed = False
    for field_name, value in (("name", requester.name.strip()), ("phone", requester.phone.strip())):
        if value and getattr(contact, field_name) != value:
            setattr(contact, field_name, value)
            changed = True
    if organization is not None and contact.organization_id != organization.pk:
        contact.organization = organization
        changed = True
    return changed


def contact_get_or_create(
    *, email: str, name: str = "", organization_name: str = "", phone: str = ""
) -> Contact:
    """The contact for an address (case-insensitive), filling in what we did not know yet."""
    [contact] = contacts_get_or_create([Requester(email, name, organization_name, phone)])
    return contact


def attachments_store(items: Iterable[tuple[Message, Iterable[AttachmentInput]]]) -> None:
    """Write each file under its content hash, then insert the rows of all the messages' files
    in one query."""
    records = []
    for message, attachments in items:
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


@dataclass
class TicketOpening:
    """A ticket ready to be opened: built and timed, not yet numbered or saved, its requester
    not yet looked up."""

    ticket: Ticket
    message: Message
    requester: Requester
    attachments: Sequence[AttachmentInput] = field(default_factory=tuple)
    # Whether to send the acknowledgement (not to an address our mail bounces from).
    acknowledge: bool = False


def ticket_opening_build(
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
) -> TicketOpening:
    """A ticket with its first customer message and its SLA timers started, for ``tickets_open``;
    nothing is written yet. ``acknowledge`` asks for the acknowledgement with the reply
    deadline."""
    now = now_in_seconds()
    received_at = (received_at or now).replace(microsecond=0)
    ticket = Ticket(
        subject=subject.strip()[:300],
        priority=priority,
        category=category,
        channel=channel,
        received_at=received_at,
        related_ticket=related_ticket,
        language=acknowledgement_language or settings.LANGUAGE_CODE,
    )
    ticket_sla_refresh(ticket, now=now)
    message = Message(
        ticket=ticket,
        kind=Message.Kind.INBOUND,
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
    requester = Requester(requester_email, requester_name, organization_name, phone)
    return TicketOpening(ticket, message, requester, attachments, acknowledge)


def tickets_open(
    openings: Sequence[TicketOpening], *, acknowledgements: AcknowledgementBatch | None = None
) -> list[Ticket]:
    """Save the built tickets with their requesters, first messages and files, numbered in
    order.

    The acknowledgements asked for go out after commit (none to an address our mail bounces
    from): through ``acknowledgements`` when the caller sends them together, else each from
    its task.
    """
    if not openings:
        return []
    with transaction.atomic(savepoint=False):
        contacts = contacts_get_or_create([opening.requester for opening in openings])
        # Last, just before the inserts: see the module's docstring.
        numbers = ticket_numbers_allocate(len(openings))
        for opening, contact, number in zip(openings, contacts, numbers, strict=True):
            ticket, message = opening.ticket, opening.message
            opening.acknowledge = opening.acknowledge and not contact.email_undeliverable
            ticket.requester = message.author_contact = contact
            ticket.acknowledgement_pending = opening.acknowledge
            ticket.number = number
            ticket.reference = ticket_reference(number)
        tickets = Ticket.objects.bulk_create([opening.ticket for opening in openings])
        TicketSearchDocument.objects.bulk_create(
            TicketSearchDocument(
                ticket=opening.ticket,
                bigrams=search_document(
                    opening.ticket.reference,
                    opening.ticket.subject,
                    opening.ticket.requester.email,
                    # Its own requester's name, should a later mail of the batch change the
                    # contact's.
                    opening.requester.name.strip() or opening.ticket.requester.name,
                    opening.message.body_text,
                ),
            )
            for opening in openings
        )
        Message.objects.bulk_create([opening.message for opening in openings])
        attachments_store((opening.message, opening.attachments) for opening in openings)
    for opening in openings:
        ticket = opening.ticket
        ticket.opening_message = opening.message  # for callers that need it without a query
        if opening.acknowledge:
            _acknowledge_on_commit(ticket, acknowledgements)
    return tickets


def _acknowledge_on_commit(ticket: Ticket, acknowledgements: AcknowledgementBatch | None) -> None:
    ticket_id, language = ticket.pk, ticket.language
    if acknowledgements is not None:
        transaction.on_commit(lambda: acknowledgements.add(ticket_id=ticket_id, language=language))
    else:
        # robust: a broker outage must not turn a stored inquiry into an error page.
        transaction.on_commit(
            lambda: ticket_acknowledge_task.delay(ticket_id, language), robust=True
        )


@transaction.atomic(savepoint=False)
def ticket_open(
    *,
    channel: str,
    requester_email: str,
    subject: str,
    body_text: str,
    acknowledgements: AcknowledgementBatch | None = None,
    **details: Any,
) -> Ticket:
    """Open a ticket with its first customer message and start its SLA timers.

    ``details`` are the rest of ``ticket_opening_build``'s arguments. The acknowledgement,
    unless ``acknowledge=False`` (the mail intake's choice for mail that must not be answered),
    is sent after commit from a worker; with ``acknowledgements`` the caller sends it, with
    others, after its commit.
    """
    opening = ticket_opening_build(
        channel=channel,
        requester_email=requester_email,
        subject=subject,
        body_text=body_text,
        **details,
    )
    [ticket] = tickets_open([opening], acknowledgements=acknowledgements)
    return ticket
