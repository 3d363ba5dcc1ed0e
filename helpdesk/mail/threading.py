"""Which ticket does an incoming mail belong to?

First by the Message-IDs it answers (In-Reply-To, then References, newest first) against every
Message-ID we stored, ours and the customers'; then by the subject tag ``[NP-000123]``. A mail
from someone who is not on the ticket (requester, a customer who wrote on it, or an address
copied in) opens a new ticket linked to the old one, so a stranger who guesses a reference
cannot write into another customer's conversation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from helpdesk.tickets.models import Message, Ticket


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket | None
    matched_by: str  # "in-reply-to", "references", "subject-tag" or ""
    sender_is_participant: bool


def ticket_for_mail(
    *, in_reply_to: str, references: list[str], reference_tag: str, sender: str
) -> ThreadMatch:
    candidates = [in_reply_to] if in_reply_to else []
    candidates += [ref for ref in reversed(references) if ref and ref != in_reply_to]
    ticket = None
    matched_by = ""
    if candidates:
        found = dict(
            Message.objects.filter(message_id__in=candidates).values_list("message_id", "ticket_id")
        )
        for position, candidate in enumerate(candidates):
            if candidate in found:
                ticket = Ticket.objects.select_related("requester").get(pk=found[candidate])
                matched_by = "in-reply-to" if position == 0 and in_reply_to else "references"
                break
    if ticket is None and reference_tag:
        ticket = Ticket.objects.select_related("requester").filter(reference=reference_tag).first()
        matched_by = "subject-tag" if ticket else ""
    if ticket is None:
        return ThreadMatch(None, "", False)
    return ThreadMatch(ticket, matched_by, is_participant(ticket, sender))


def is_participant(ticket: Ticket, address: str) -> bool:
    address = address.strip().lower()
    if not address:
        return False
    if ticket.requester.email == address:
        return True
    inbound = Message.objects.filter(ticket=ticket, kind=Message.Kind.INBOUND)
    if inbound.filter(author_contact__email=address).exists():
        return True
    copied = inbound.exclude(cc_addresses="").values_list("cc_addresses", flat=True)
    return any(address in cc.lower().split() for cc in copied)


def reopen_allowed(ticket: Ticket, *, now: datetime.datetime, reopen_days: int) -> bool:
    """A reply to a resolved or closed ticket reopens it only within the reopen window."""
    if ticket.is_active:
        return True
    finished_at = ticket.resolved_at or ticket.updated_at
    return now - finished_at <= datetime.timedelta(days=reopen_days)
