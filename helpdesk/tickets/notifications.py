"""The acknowledgement: the mail that tells a customer their inquiry arrived, its reference,
and by when to expect a reply (SLA 2(b): "tell each customer, at intake, by when")."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from sla.calendars import business_clock

from .access import ticket_access_token_issue, ticket_access_token_revoke
from .models import Message, Ticket
from .outbound import (
    SEND_ERRORS,
    message_delivery_failed,
    message_delivery_sent,
    outbound_email_build,
    outbound_message_id_new,
    outbound_subject,
    outbound_threading,
)
from .selectors import ticket_acknowledgement_get, ticket_first_inbound_message

logger = logging.getLogger(__name__)

TEMPLATE = "mail/ticket_acknowledgement.txt"


def _supported_language(language: str | None) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def _render_body(ticket: Ticket, *, language: str, status_url: str | None) -> str:
    clock = business_clock()
    arrived_out_of_hours = not clock.is_open(ticket.received_at)
    with translation.override(language):
        return render_to_string(
            TEMPLATE,
            {
                "ticket": ticket,
                "status_url": status_url,
                "helpdesk_name": settings.HELPDESK_NAME,
                "work_starts_at": clock.next_open(ticket.received_at)
                if arrived_out_of_hours
                else None,
            },
        )


@dataclass(frozen=True)
class _Prepared:
    ticket: Ticket
    message: Message
    # The status-page key for this attempt; None when nothing is to be sent.
    raw_token: str | None


def _acknowledgement_prepare(ticket_id: int, language: str) -> _Prepared | None:
    """The ticket, its acknowledgement Message (created queued on the first call) and, when the
    mail is to be sent, this attempt's status-page key, all in one transaction: one commit.

    The ticket row is locked while we look, so two workers running the same task at once
    create one Message between them.
    """
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("requester")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return None  # deleted before the worker got to it: nobody to tell
        message = ticket_acknowledgement_get(ticket_id=ticket.pk)
        if message is not None:
            message.ticket = ticket
        else:
            message = _acknowledgement_create(ticket, language)
        to_send = (
            message.delivery_status != Message.DeliveryStatus.SENT
            and not ticket.requester.email_undeliverable
        )
        raw_token = ticket_access_token_issue(ticket=ticket) if to_send else None
        return _Prepared(ticket, message, raw_token)


def _acknowledgement_create(ticket: Ticket, language: str) -> Message:
    """The acknowledgement's Message, queued; inside _acknowledgement_prepare's lock."""
    # The acknowledgement answers the message that opened the ticket.
    in_reply_to, references = outbound_threading(
        replying_to=ticket_first_inbound_message(ticket_id=ticket.pk)
    )
    with translation.override(language):
        subject = gettext("Your inquiry has been received: %(subject)s") % {
            "subject": ticket.subject
        }
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.OUTBOUND,
        is_automatic=True,
        channel=Ticket.Channel.MAIL,
        subject=outbound_subject(ticket=ticket, subject=subject),
        # The stored text has a note where the mail has the private link: whoever can read
        # the database must not be able to open the customer's status page.
        body_text=_render_body(ticket, language=language, status_url=None),
        message_id=outbound_message_id_new(),
        in_reply_to=in_reply_to,
        references=references,
        recipient=ticket.requester.email,
        delivery_status=Message.DeliveryStatus.QUEUED,
        created_at=timezone.now().replace(microsecond=0),
    )
    return message


def _acknowledgement_settled(ticket: Ticket) -> None:
    """Nothing more is owed: sent, or given up on (the failure shows on the ticket)."""
    if ticket.acknowledgement_pending:
        Ticket.objects.filter(pk=ticket.pk).update(acknowledgement_pending=False)
        ticket.acknowledgement_pending = False


def _nothing_to_send(prepared: _Prepared) -> bool:
    """Settle an acknowledgement that is not to be sent (already sent, or an address that
    bounces); True when that was the case."""
    ticket, message = prepared.ticket, prepared.message
    if message.delivery_status == Message.DeliveryStatus.SENT:
        _acknowledgement_settled(ticket)
        return True
    if prepared.raw_token is None:  # the requester's address is marked undeliverable
        error = ValueError(f"{ticket.requester.email} is marked undeliverable")
        message_delivery_failed(message=message, error=error, final=True)
        _acknowledgement_settled(ticket)
        return True
    return False


def _acknowledgement_send(
    prepared: _Prepared, *, language: str, connection: BaseEmailBackend | None
) -> None:
    """Mail it, with this attempt's private link; raises ``SEND_ERRORS`` after revoking it."""
    assert prepared.raw_token is not None  # noqa: S101 - _nothing_to_send ruled it out
    status_url = settings.SITE_URL.rstrip("/") + reverse(
        "portal:ticket_status", kwargs={"token": prepared.raw_token}
    )
    email = outbound_email_build(
        message=prepared.message,
        body_text=_render_body(prepared.ticket, language=language, status_url=status_url),
        automatic=True,
        with_attachments=False,  # an acknowledgement never carries files
    )
    email.connection = connection  # None: Django opens the configured one
    try:
        email.send()
    except SEND_ERRORS:
        # The link was never delivered: make sure it can never be used.
        ticket_access_token_revoke(raw_token=prepared.raw_token)
        raise


def _acknowledgement_sent(prepared: _Prepared) -> None:
    message_delivery_sent(message=prepared.message)
    _acknowledgement_settled(prepared.ticket)
    logger.info(
        "acknowledgement sent ticket=%s message=%s", prepared.ticket.reference, prepared.message.pk
    )


def ticket_acknowledge(
    *, ticket_id: int, language: str | None = None, final_attempt: bool = False
) -> Message | None:
    """Send the acknowledgement of a ticket, once.

    Idempotent: when the acknowledgement was already sent, nothing happens (returns None).
    Each attempt issues a fresh status-page link; a failed attempt revokes its link, leaves
    the Message queued and raises for the task to retry. After the last attempt
    (``final_attempt``) the Message is marked failed with the reason.
    """
    language = _supported_language(language)
    prepared = _acknowledgement_prepare(ticket_id, language)
    if prepared is None:
        return None
    if prepared.message.delivery_status == Message.DeliveryStatus.SENT:
        _acknowledgement_settled(prepared.ticket)
        return None
    if _nothing_to_send(prepared):  # the address bounces: the Message is marked failed
        return prepared.message
    try:
        _acknowledgement_send(prepared, language=language, connection=None)
    except SEND_ERRORS as error:
        message_delivery_failed(message=prepared.message, error=error, final=final_attempt)
        if final_attempt:
            _acknowledgement_settled(prepared.ticket)
        raise
    with transaction.atomic():  # both facts in one commit
        _acknowledgement_sent(prepared)
    return prepared.message


def tickets_acknowledge(
    *, requests: Sequence[tuple[int, str | None]], connection: BaseEmailBackend
) -> list[tuple[int, str | None]]:
    """``ticket_acknowledge`` for several tickets over one open mail ``connection``.

    The preparations share one commit, and so do the records of what was sent: two commits
    for a batch instead of two per ticket. Returns the requests whose mail could not be sent
    (their links revoked, their Messages still queued), for their tasks to retry.
    """
    with transaction.atomic():
        prepared = [
            (ticket_id, language, _acknowledgement_prepare(ticket_id, language))
            for ticket_id, language in (
                (ticket_id, _supported_language(language)) for ticket_id, language in requests
            )
        ]
    failed: list[tuple[int, str | None]] = []
    sent: list[_Prepared] = []
    for ticket_id, language, item in prepared:
        if item is None or _nothing_to_send(item):
            continue
        try:
            _acknowledgement_send(item, language=language, connection=connection)
        except SEND_ERRORS as error:
            message_delivery_failed(message=item.message, error=error, final=False)
            failed.append((ticket_id, language))
        else:
            sent.append(item)
    with transaction.atomic():
        for item in sent:
            _acknowledgement_sent(item)
    return failed
