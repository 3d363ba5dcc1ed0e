"""Reads of tickets for the customer-facing pages and the outgoing mail."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from helpdesk.core.tokens import token_hash

from .models import Attachment, Message, Ticket, TicketAccessToken

PUBLIC_KINDS = (Message.Kind.INBOUND, Message.Kind.OUTBOUND)


def ticket_get_by_access_token(*, raw_token: str) -> Ticket | None:
    """The ticket a status-page link opens, or None for an unknown or revoked link.

    One indexed lookup on the token's SHA-256 (unique), so the answer takes the same path
    whether or not a similar token exists: nothing to learn from timing.
    """
    digest = token_hash(raw_token)
    access = (
        TicketAccessToken.objects.select_related("ticket", "ticket__requester")
        .filter(token_hash=digest, revoked_at__isnull=True)
        .first()
    )
    return access.ticket if access is not None else None


def ticket_public_messages(*, ticket: Ticket) -> QuerySet[Message]:
    """The conversation the customer sees, oldest first: their messages and our answers.

    Internal notes never appear. Automatic mail (the acknowledgement) is left out too: it only
    repeats what the page itself shows.
    """
    return (
        Message.objects.filter(ticket=ticket, kind__in=PUBLIC_KINDS, is_automatic=False)
        .select_related("author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def attachment_get(*, attachment_id: int) -> Attachment | None:
    """Any attachment, for staff (the admin checks their permission first)."""
    return Attachment.objects.filter(pk=attachment_id).select_related("message").first()


def ticket_public_attachment_get(*, ticket: Ticket, attachment_id: int) -> Attachment | None:
    """An attachment of one of this ticket's public messages; None for anything else."""
    return (
        Attachment.objects.filter(
            pk=attachment_id, message__ticket=ticket, message__kind__in=PUBLIC_KINDS
        )
        .select_related("message")
        .first()
    )


@dataclass(frozen=True)
class ReplyExpectation:
    """What the status page says about our next answer."""

    due: datetime.datetime | None
    waiting_for_customer: bool
    finished: bool


def ticket_reply_expectation(*, ticket: Ticket) -> ReplyExpectation:
    """The current reply deadline: the first response's until we answered once, then the
    next response's while a customer message waits for an answer; none while we wait for the
    customer or once the ticket is resolved."""
    if ticket.status == Ticket.Status.PENDING_CUSTOMER:
        return ReplyExpectation(due=None, waiting_for_customer=True, finished=False)
    if not ticket.is_active:
        return ReplyExpectation(due=None, waiting_for_customer=False, finished=True)
    due = ticket.first_response_due if ticket.first_responded_at is None else None
    due = due or ticket.next_response_due
    return ReplyExpectation(due=due, waiting_for_customer=False, finished=False)


def tickets_first_inbound_messages(*, ticket_ids: Iterable[int]) -> dict[int, Message]:
    """The message that opened each ticket, by ticket id (one query for any number)."""
    first: dict[int, Message] = {}
    messages = Message.objects.filter(ticket_id__in=list(ticket_ids), kind=Message.Kind.INBOUND)
    for message in messages.order_by("created_at", "id"):
        first.setdefault(message.ticket_id, message)
    return first


def ticket_last_inbound_message(*, ticket_id: int, before: Message | None = None) -> Message | None:
    """The customer's latest message (before ``before``, if given): what an answer replies to."""
    messages = Message.objects.filter(ticket_id=ticket_id, kind=Message.Kind.INBOUND)
    if before is not None:
        messages = messages.filter(created_at__lte=before.created_at).exclude(pk=before.pk)
    return messages.order_by("-created_at", "-id").first()


def tickets_acknowledgements(*, ticket_ids: Iterable[int]) -> dict[int, Message]:
    """Each ticket's acknowledgement (its first automatic message to the customer), by ticket
    id; tickets without one are missing from the answer."""
    found: dict[int, Message] = {}
    messages = Message.objects.filter(
        ticket_id__in=list(ticket_ids), kind=Message.Kind.OUTBOUND, is_automatic=True
    )
    for message in messages.order_by("id"):
        found.setdefault(message.ticket_id, message)
    return found
