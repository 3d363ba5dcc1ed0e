"""Canned responses (定型文): supervisors keep them, agents fill one in for a ticket."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import CannedResponse, Ticket
from .selectors import ticket_reply_expectation

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")

# The placeholders a canned response may hold, as typed by supervisors.
PLACEHOLDERS = ("{customer_name}", "{reference}", "{reply_deadline}")


def canned_responses_active() -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(is_active=True).order_by("title")


@transaction.atomic
def canned_response_save(
    *,
    title: str,
    body: str,
    updated_by: User | None,
    is_active: bool = True,
    canned_response: CannedResponse | None = None,
) -> CannedResponse:
    """Create a canned response, or update the given one."""
    canned_response = canned_response or CannedResponse()
    canned_response.title = title.strip()
    canned_response.body = body
    canned_response.is_active = is_active
    canned_response.updated_by = updated_by
    canned_response.full_clean()
    canned_response.save()
    return canned_response


@transaction.atomic
def canned_response_delete(*, canned_response: CannedResponse) -> None:
    canned_response.delete()


def _deadline_text(due, language: str) -> str:
    """``2026年12月2日(水) 17:00`` or ``2 Dec 2026 17:00 (JST)``: Tokyo time either way."""
    local = timezone.localtime(due)
    if (language or "ja").startswith("ja"):
        weekday = WEEKDAYS_JA[local.weekday()]
        return f"{local.year}年{local.month}月{local.day}日({weekday}) {local:%H:%M}"
    return f"{local.day} {local:%b %Y %H:%M} (JST)"


def canned_response_render(*, canned_response: CannedResponse, ticket: Ticket) -> str:
    """The text with the placeholders filled in for this ticket, in the customer's language.

    Plain replacement rather than ``str.format``: a stray brace a supervisor typed must not
    break the answer."""
    due = ticket_reply_expectation(ticket=ticket).due
    with translation.override(ticket.language or "ja"):
        deadline = _deadline_text(due, ticket.language) if due else _("as soon as possible")
        name = ticket.requester.name or _("customer")
    values = {
        "{customer_name}": name,
        "{reference}": ticket.reference,
        "{reply_deadline}": deadline,
    }
    text = canned_response.body
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text
