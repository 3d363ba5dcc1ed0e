"""Outgoing mail, built from a Message row.

Every mail to a customer (the acknowledgement, staff answers) is built here, so each one carries
the subject tag ``[NP-000123]``, a Message-ID we store (replies thread back to the ticket by it),
In-Reply-To/References pointing at the customer's last message, and UTF-8 text.

Mail is only ever sent from a Celery task, never inside a web request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.utils import make_msgid
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Message, Ticket, TicketEvent
from .selectors import ticket_last_inbound_message

logger = logging.getLogger(__name__)

# What a failed delivery raises: SMTP refusals, and network errors (OSError covers refused
# connections and timeouts). The tasks retry on these.
SEND_ERRORS: tuple[type[BaseException], ...] = (SMTPException, OSError, ConnectionError)

# References grows with every exchange; the newest ids are the ones that thread a reply.
MAX_REFERENCES = 20


def outbound_message_id_new() -> str:
    """A new ``<...@MAIL_DOMAIN>`` Message-ID, unique across processes and hosts."""
    return make_msgid(domain=settings.MAIL_DOMAIN)


def outbound_subject(*, ticket: Ticket, subject: str) -> str:
    """The subject with the ticket's tag in front, once: ``[NP-000123] Re: ...``.

    On one line (a line break in a header is refused by the mail library), and short enough
    for ``Message.subject``.
    """
    subject = " ".join(subject.split())
    tag = f"[{ticket.reference}]"
    tagged = subject if tag in subject else f"{tag} {subject}"
    return tagged[: Message._meta.get_field("subject").max_length]


def outbound_threading(*, replying_to: Message | None) -> tuple[str, str]:
    """``(In-Reply-To, References)`` for a mail answering ``replying_to``, if it had an id."""
    if replying_to is None or not replying_to.message_id:
        return "", ""
    chain = [*replying_to.references.split(), replying_to.message_id]
    unique = list(dict.fromkeys(chain))[-MAX_REFERENCES:]
    return replying_to.message_id, " ".join(unique)


def outbound_sender() -> str:
    return f"{settings.HELPDESK_NAME} <{settings.DEFAULT_FROM_EMAIL}>"


def outbound_email_build(
    *, message: Message, body_text: str, automatic: bool = False, with_attachments: bool = True
) -> EmailMessage:
    """The mail for ``message``, with ``body_text`` (which may differ from the stored text,
    e.g. the acknowledgement's private link is only ever in the mail)."""
    headers = {"Message-ID": message.message_id}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    if automatic:
        # RFC 3834: tells the customer's autoresponder not to answer; Exchange reads the other.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMessage(
        subject=outbound_subject(ticket=message.ticket, subject=message.subject),
        body=body_text,
        from_email=outbound_sender(),
        to=[message.recipient],
        headers=headers,
    )
    email.encoding = "utf-8"
    attachments = message.attachments.all() if with_attachments else ()
    for attachment in attachments:
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type)
    return email


def message_delivery_sent(*, message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(
        delivery_status=Message.DeliveryStatus.SENT, delivery_error=""
    )
    message.delivery_status = Message.DeliveryStatus.SENT
    message.delivery_error = ""


def messages_delivery_sent(*, messages: Sequence[Message]) -> None:
    """``message_delivery_sent`` for several messages, in one statement."""
    Message.objects.filter(pk__in=[message.pk for message in messages]).update(
        delivery_status=Message.DeliveryStatus.SENT, delivery_error=""
    )
    for message in messages:
        message.delivery_status = Message.DeliveryStatus.SENT
        message.delivery_error = ""


def message_delivery_failed(*, message: Message, error: BaseException, final: bool) -> None:
    """Record why a send failed. The Message stays queued while retries remain, and becomes
    failed (visible on the ticket) after the last one."""
    reason = f"{type(error).__name__}: {error}"[:2000]
    status = Message.DeliveryStatus.FAILED if final else Message.DeliveryStatus.QUEUED
    Message.objects.filter(pk=message.pk).update(delivery_status=status, delivery_error=reason)
    message.delivery_status = status
    message.delivery_error = reason
    if final:  # given up: staff see it in the ticket's history, not only on the message
        TicketEvent.objects.create(
            ticket_id=message.ticket_id,
            kind=TicketEvent.Kind.SEND_FAILED,
            detail=f"{message.recipient}: {reason}",
            created_at=timezone.now(),
        )
    logger.warning(
        "outbound mail failed message=%s ticket=%s final=%s error=%s",
        message.pk,
        message.ticket_id,
        final,
        reason,
    )


def _staff_reply_prepare(message_pk: int) -> Message | None:
    """Lock the row, give it a Message-ID and threading headers once (a retry reuses them, so
    the customer's mail program can drop a duplicate)."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(pk=message_pk, kind=Message.Kind.OUTBOUND)
            .first()
        )
        if message is None or message.delivery_status not in (
            Message.DeliveryStatus.QUEUED,
            Message.DeliveryStatus.FAILED,
        ):
            return None
        if not message.message_id:
            message.message_id = outbound_message_id_new()
            # A staff answer replies to the customer's latest message before it.
            last_inbound = ticket_last_inbound_message(ticket_id=message.ticket_id, before=message)
            message.in_reply_to, message.references = outbound_threading(replying_to=last_inbound)
            message.subject = outbound_subject(
                ticket=message.ticket, subject=message.subject or f"Re: {message.ticket.subject}"
            )
            message.save(update_fields=["message_id", "in_reply_to", "references", "subject"])
        return message


def message_send(*, message_pk: int, final_attempt: bool = False) -> bool:
    """Send a staff answer by mail. Idempotent: a message already sent is not sent again.

    Returns whether a mail went out; raises one of ``SEND_ERRORS`` when delivery failed, for
    the task to retry.
    """
    message = _staff_reply_prepare(message_pk)
    if message is None:
        return False
    body = render_to_string(
        "mail/staff_reply.txt",
        {"message": message, "ticket": message.ticket, "helpdesk_name": settings.HELPDESK_NAME},
    )
    try:
        outbound_email_build(message=message, body_text=body).send()
    except SEND_ERRORS as error:
        message_delivery_failed(message=message, error=error, final=final_attempt)
        raise
    message_delivery_sent(message=message)
    logger.info(
        "outbound mail sent message=%s ticket=%s at=%s",
        message.pk,
        message.ticket_id,
        timezone.now().isoformat(),
    )
    return True
