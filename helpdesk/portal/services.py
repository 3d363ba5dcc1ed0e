"""The portal's writes: a web inquiry opens a ticket through the same service as a mail does,
and a reply on the status page goes through the same service as a mailed reply."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from helpdesk.core.ratelimit import rate_limit_consume
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply, ticket_open


class RateLimited(Exception):
    """Too many submissions from this client or for this address; nothing was written."""


def inquiry_rate_limit_check(*, client_ip: str, email: str) -> None:
    """Count this submission against the per-IP and per-address limits; raise when over."""
    window = settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS
    if not rate_limit_consume(
        scope="inquiry-ip",
        identifier=client_ip or "unknown",
        limit=settings.INQUIRY_RATE_LIMIT_PER_IP,
        window_seconds=window,
    ):
        raise RateLimited
    if not rate_limit_consume(
        scope="inquiry-email",
        identifier=email,
        limit=settings.INQUIRY_RATE_LIMIT_PER_EMAIL,
        window_seconds=window,
    ):
        raise RateLimited


def inquiry_submit(
    *,
    client_ip: str,
    organization: str,
    name: str,
    email: str,
    phone: str,
    category: str,
    subject: str,
    body: str,
    attachments: Sequence[AttachmentInput],
    language: str,
) -> Ticket:
    """Open a ticket from the web form and queue the acknowledgement in the customer's
    language. Raises :class:`RateLimited` (before writing anything) when over the limits."""
    inquiry_rate_limit_check(client_ip=client_ip, email=email)
    return ticket_open(
        channel=Ticket.Channel.WEB,
        requester_email=email,
        requester_name=name,
        organization_name=organization,
        phone=phone,
        category=category,
        subject=subject,
        body_text=body,
        attachments=attachments,
        # The acknowledgement is written in the language the customer used on the form.
        acknowledgement_language=language,
    )


def ticket_reply_submit(
    *,
    ticket: Ticket,
    client_ip: str,
    body: str,
    attachments: Sequence[AttachmentInput],
) -> Message:
    """A customer's reply from the status page. Raises :class:`RateLimited` when over the
    per-IP limit (a leaked link must not become a way to flood the desk)."""
    if not rate_limit_consume(
        scope="reply-ip",
        identifier=client_ip or "unknown",
        limit=settings.INQUIRY_RATE_LIMIT_PER_IP,
        window_seconds=settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS,
    ):
        raise RateLimited
    return ticket_customer_reply(
        ticket=ticket,
        body_text=body,
        contact=ticket.requester,
        channel=Ticket.Channel.WEB,
        attachments=attachments,
    )
