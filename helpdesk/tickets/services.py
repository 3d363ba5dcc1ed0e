"""Every write to tickets. The web form, the mail intake, the console and the API all open and
answer tickets through these functions, so the SLA timers follow the same rules everywhere."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction

from sla.calendars import business_clock
from sla.models import Priority

from .deadlines import now_in_seconds, ticket_sla_refresh
from .models import Contact, Message, Ticket, TicketSearchDocument
from .opening import AttachmentInput as AttachmentInput
from .opening import attachments_store
from .opening import contact_get_or_create as contact_get_or_create
from .opening import ticket_open as ticket_open
from .search import search_document_extend
from .tasks import message_send_task


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
    attachments_store([(message, attachments)])
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
    attachments_store([(message, attachments)])
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
