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

from .access import ticket_access_token_revoke, ticket_access_tokens_issue
from .models import Message, Ticket
from .outbound import (
    SEND_ERRORS,
    message_delivery_failed,
    messages_delivery_sent,
    outbound_email_build,
    outbound_message_id_new,
    outbound_subject,
    outbound_threading,
)
from .selectors import tickets_acknowledgements, tickets_first_inbound_messages

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


def _mail_text(stored_text: str, ticket: Ticket, *, language: str, status_url: str) -> str:
    """The acknowledgement as mailed: the stored text with the private link where the stored
    one has a note saying it is left out. Rendering it once more costs a batch a tenth of its
    time; the template renders it when the note is not found (the text was stored in
    another language)."""
    with translation.override(language):
        note = gettext("(The link to the status page is only in the mail sent to the customer.)")
        link = f"{status_url}\n" + gettext("This link is for you only. Please do not share it.")
    # The last one: the customer's own name and subject, above it, could hold the same words.
    before, found, after = stored_text.rpartition(note)
    if not found:
        return _render_body(ticket, language=language, status_url=status_url)
    return before + link + after


@dataclass(frozen=True)
class _Prepared:
    ticket: Ticket
    message: Message
    # The status-page key for this attempt; None when nothing is to be sent.
    raw_token: str | None


def _acknowledgements_prepare(
    requests: Sequence[tuple[int, str]],
) -> dict[int, _Prepared]:
    """For each requested ticket that still exists: the ticket, its acknowledgement Message
    (created queued on the first call) and, when the mail is to be sent, this attempt's
    status-page key. Call inside a transaction: a handful of statements for any number of
    tickets, one commit.

    The ticket rows are locked while we look, so two workers acknowledging the same ticket at
    once create one Message between them.
    """
    languages = dict(requests)
    tickets = list(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester")
        .filter(pk__in=languages)
        .order_by("pk")  # one locking order for every caller: no deadlock between batches
    )
    messages = tickets_acknowledgements(ticket_ids=languages)
    missing = [ticket for ticket in tickets if ticket.pk not in messages]
    if missing:
        # The acknowledgement answers the message that opened the ticket.
        opening = tickets_first_inbound_messages(ticket_ids=[ticket.pk for ticket in missing])
        created = Message.objects.bulk_create(
            _acknowledgement_build(ticket, languages[ticket.pk], opening.get(ticket.pk))
            for ticket in missing
        )
        messages.update((message.ticket_id, message) for message in created)
    to_send = [
        ticket
        for ticket in tickets
        if messages[ticket.pk].delivery_status != Message.DeliveryStatus.SENT
        and not ticket.requester.email_undeliverable
    ]
    raw_tokens = ticket_access_tokens_issue(tickets=to_send)
    prepared = {}
    for ticket in tickets:
        message = messages[ticket.pk]
        message.ticket = ticket
        prepared[ticket.pk] = _Prepared(ticket, message, raw_tokens.get(ticket.pk))
    return prepared


def _acknowledgement_build(ticket: Ticket, language: str, replying_to: Message | None) -> Message:
    """The acknowledgement's Message, queued, not yet saved."""
    in_reply_to, references = outbound_threading(replying_to=replying_to)
    with translation.override(language):
        subject = gettext("Your inquiry has been received: %(subject)s") % {
            "subject": ticket.subject
        }
    return Message(
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
        body_text=_mail_text(
            prepared.message.body_text, prepared.ticket, language=language, status_url=status_url
        ),
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


def _acknowledgements_sent(sent: Sequence[_Prepared]) -> None:
    """Record the mails that went out, and that their tickets owe nothing more: one commit."""
    if not sent:
        return
    with transaction.atomic():
        messages_delivery_sent(messages=[item.message for item in sent])
        Ticket.objects.filter(
            pk__in=[item.ticket.pk for item in sent], acknowledgement_pending=True
        ).update(acknowledgement_pending=False)
    for item in sent:
        item.ticket.acknowledgement_pending = False
        logger.info(
            "acknowledgement sent ticket=%s message=%s", item.ticket.reference, item.message.pk
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
    with transaction.atomic():
        prepared = _acknowledgements_prepare([(ticket_id, language)]).get(ticket_id)
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
    _acknowledgements_sent([prepared])
    return prepared.message


def tickets_acknowledge(
    *, requests: Sequence[tuple[int, str | None]], connection: BaseEmailBackend
) -> list[tuple[int, str | None]]:
    """``ticket_acknowledge`` for several tickets over one open mail ``connection``.

    The preparations share one commit and a few statements, and so do the records of what
    was sent, whatever the number of tickets. Returns the requests whose mail could not be
    sent (their links revoked, their Messages still queued), for their tasks to retry.
    """
    languages = {ticket_id: _supported_language(language) for ticket_id, language in requests}
    with transaction.atomic():
        prepared = _acknowledgements_prepare(list(languages.items()))
    failed: list[tuple[int, str | None]] = []
    sent: list[_Prepared] = []
    for ticket_id, item in prepared.items():
        if _nothing_to_send(item):
            continue
        language = languages[ticket_id]
        try:
            _acknowledgement_send(item, language=language, connection=connection)
        except SEND_ERRORS as error:
            message_delivery_failed(message=item.message, error=error, final=False)
            failed.append((ticket_id, language))
        else:
            sent.append(item)
    _acknowledgements_sent(sent)
    return failed
