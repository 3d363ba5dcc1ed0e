"""Status-page links: the customer's key to their ticket, stored only as a hash."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from helpdesk.core.tokens import token_hash, token_new

from .models import Ticket, TicketAccessToken


def ticket_access_token_issue(*, ticket: Ticket) -> str:
    """A new status-page key (256 bits); only its hash is stored, so return the raw value."""
    raw_token = token_new()
    TicketAccessToken.objects.create(ticket=ticket, token_hash=token_hash(raw_token))
    return raw_token


def ticket_access_tokens_issue(*, tickets: Sequence[Ticket]) -> dict[int, str]:
    """``ticket_access_token_issue`` for several tickets in one insert; raw keys by ticket id."""
    raw_tokens = {ticket.pk: token_new() for ticket in tickets}
    TicketAccessToken.objects.bulk_create(
        TicketAccessToken(ticket=ticket, token_hash=token_hash(raw_tokens[ticket.pk]))
        for ticket in tickets
    )
    return raw_tokens


def ticket_access_token_revoke(*, raw_token: str) -> bool:
    updated = TicketAccessToken.objects.filter(
        token_hash=token_hash(raw_token), revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return bool(updated)
