"""Mail intake writes: store first, then process.

``mail_store`` is all an entry point does (SMTP, LMTP, the MTA pipe, HTTP, IMAP): it keeps the
raw bytes in an InboundMail row, deduplicated by a digest of the content (``digest.py``), and
enqueues processing after commit. ``mail_process`` parses, classifies, threads and acts,
exactly once per row; a mail it cannot read ends in quarantine, never in an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import signature
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from helpdesk.core.ratelimit import rate_limits_consume
from helpdesk.core.rows import rows_update
from helpdesk.core.tokens import token_hash, token_new
from helpdesk.tickets.acknowledgements import AcknowledgementBatch
from helpdesk.tickets.changes import ticket_event_record
from helpdesk.tickets.models import Contact, Message, Ticket, TicketEvent
from helpdesk.tickets.opening import TicketOpening, ticket_opening_build, tickets_open
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply, ticket_system_note

from .attempts import mail_attempt_begin
from .classify import FEEDBACK, INVALID, classify, is_no_reply_address
from .containment import MailUnprocessable, parse_contained
from .digest import content_digest
from .feedback_services import feedback_report_record
from .models import InboundMail, MailGatewayToken
from .parse import ParsedMail
from .threading import reopen_allowed, ticket_for_mail

# The task module imports this one (tasks call services), so the service names its task
# instead of importing it.
MAIL_PROCESS_TASK = "helpdesk.mail.tasks.mail_process_task"

logger = logging.getLogger(__name__)

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE
)
_ANGLE_ID = re.compile(rb"<([^<>\s]+)>")


class MailTooLarge(ValueError):
    pass


class MailEmpty(ValueError):
    """Nothing to store: the sender sent no bytes (an entry point answers 400 / exit 65)."""


@dataclass(frozen=True)
class StoreResult:
    inbound: InboundMail
    created: bool


@dataclass(frozen=True)
class ProcessResult:
    inbound: InboundMail
    action: str
    ticket: Ticket | None
    # In a batch, a mail that opens a ticket leaves it here, built and not yet saved: the batch
    # saves the openings of all its mails at its end (``ProcessingBatch``).
    opening: TicketOpening | None = None


class AnswersPendingTicket(Exception):
    """The mail answers a mail of its own batch whose ticket is not saved yet."""


@dataclass
class ProcessingBatch:
    """What the mails of a batch (``batch.py``) leave to its end: the tickets they open, numbered
    and saved together, and the acknowledgements of those tickets, sent after its commit."""

    # Looked up once for all the batch's mails (``for_mails``).
    stored_before: set[int] = field(default_factory=set)
    our_message_ids: set[str] = field(default_factory=set)
    acknowledgements: AcknowledgementBatch = field(default_factory=AcknowledgementBatch)
    openings: list[ProcessResult] = field(default_factory=list)

    @classmethod
    def for_mails(cls, mails: Sequence[InboundMail]) -> ProcessingBatch:
        message_ids = [mail.message_id for mail in mails if mail.message_id]
        ours = Message.objects.filter(message_id__in=message_ids, kind=Message.Kind.OUTBOUND)
        return cls(
            stored_before=_same_mails_stored_before(mails),
            our_message_ids=set(ours.values_list("message_id", flat=True)),
        )

    def pending_message_ids(self) -> set[str]:
        return {
            result.opening.message.message_id
            for result in self.openings
            if result.opening is not None and result.opening.message.message_id
        }

    def open_tickets(self) -> list[int]:
        """Save the pending tickets and mark their mails processed, in the caller's transaction;
        returns those mails' ids."""
        results, self.openings = self.openings, []
        openings = [result.opening for result in results if result.opening is not None]
        _mail_tickets_open(openings, self.acknowledgements)
        for result in results:
            assert result.opening is not None  # noqa: S101 - only openings are added
            _mark_done(
                result.inbound,
                status=InboundMail.Status.PROCESSED,
                action=InboundMail.Action.CREATED,
                reason=result.inbound.reason,
                ticket=result.opening.ticket,
                message=result.opening.message,
            )
        rows_update([result.inbound for result in results], _DONE_FIELDS)
        return [result.inbound.pk for result in results]


def header_message_id(raw: bytes) -> str:
    """The Message-ID from the header block, without parsing the mail (storage comes first)."""
    header_end = _HEADER_END.search(raw)
    headers = raw[: header_end.start()] if header_end else raw[:65536]
    match = _MESSAGE_ID.search(headers)
    if not match:
        return ""
    angle = _ANGLE_ID.search(match.group(1))
    value = angle.group(1) if angle else match.group(1).strip()
    text = value.decode("ascii", "replace").strip()
    return f"<{text}>" if text else ""


def _enqueue_processing(inbound_pk: int) -> None:
    try:
        signature(MAIL_PROCESS_TASK).delay(inbound_pk)
    except Exception:
        # The mail is stored; the periodic sweep of stuck mail will enqueue it again.
        logger.warning(
            "could not enqueue inbound mail %s; the sweep will retry", inbound_pk, exc_info=True
        )


def mail_store(
    *,
    raw: bytes,
    source: str,
    source_detail: str = "",
    envelope_sender: str = "",
    envelope_recipients: list[str] | tuple[str, ...] = (),
    enqueue: bool = True,
) -> StoreResult:
    """Keep the raw mail before anything else; the same mail again changes nothing.

    "The same mail" is the same content whatever the path added (``content_digest``): a mail
    relayed again with one more ``Received:`` is recognised, with or without a Message-ID,
    and a different mail that reuses a Message-ID is kept as the mail it is.
    """
    if not raw.strip():
        raise MailEmpty("the message is empty")
    if len(raw) > settings.MAIL_MAX_BYTES:
        raise MailTooLarge(f"{len(raw)} bytes exceeds the {settings.MAIL_MAX_BYTES}-byte limit")
    digest = hashlib.sha256(raw).hexdigest()
    message_id = header_message_id(raw)
    dedupe_key = f"content:{content_digest(raw)}"
    # Insert first and let the unique key catch a redelivery: one query for a new mail.
    try:
        with transaction.atomic():
            inbound = InboundMail.objects.create(
                dedupe_key=dedupe_key,
                message_id=message_id[:500],
                sha256=digest,
                raw=raw,
                size=len(raw),
                source=source,
                source_detail=source_detail[:300],
                envelope_sender=envelope_sender[:500],
                envelope_recipients="\n".join(envelope_recipients),
            )
            if enqueue:
                transaction.on_commit(lambda: _enqueue_processing(inbound.pk))
    except IntegrityError:
        # Delivered before (by any entry point): that delivery stored it; nothing changes.
        return StoreResult(InboundMail.objects.get(dedupe_key=dedupe_key), False)
    return StoreResult(inbound, True)


_DONE_FIELDS = ["status", "action", "reason", "ticket", "ticket_message", "processed_at", "kind"]


def _mark_done(
    inbound: InboundMail,
    *,
    status: str,
    action: str,
    reason: str = "",
    ticket: Ticket | None = None,
    message: Message | None = None,
) -> None:
    inbound.status = status
    inbound.action = action
    inbound.reason = reason
    inbound.ticket = ticket
    inbound.ticket_message = message
    inbound.processed_at = timezone.now()


def _finish(inbound: InboundMail, *, status: str, action: str, **outcome: Any) -> ProcessResult:
    _mark_done(inbound, status=status, action=action, **outcome)
    inbound.save(update_fields=_DONE_FIELDS)
    return ProcessResult(inbound, action, inbound.ticket)


def _no_subject() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("(no subject)")


def _attachments(parsed: ParsedMail) -> list[AttachmentInput]:
    return [
        AttachmentInput(item.filename, item.content_type, item.content)
        for item in parsed.attachments
    ]


def _may_acknowledge(inbound: InboundMail, sender: str) -> bool:
    if is_no_reply_address(sender):
        return False
    # A null reverse path (RFC 5321 4.5.5) must never be answered automatically.
    return not (
        inbound.source in (InboundMail.Source.SMTP, InboundMail.Source.LMTP)
        and inbound.envelope_sender in ("", "<>")
    )


def _mail_tickets_open(
    openings: Sequence[TicketOpening], acknowledgements: AcknowledgementBatch | None = None
) -> list[Ticket]:
    """``tickets_open`` for tickets opened by mail, where a sender whose mail keeps opening
    tickets (a loop we failed to spot, or a flood) gets only a few acknowledgements an hour."""
    asking = [opening for opening in openings if opening.acknowledge]
    allowed = rate_limits_consume(
        scope="mail-ack",
        identifiers=[opening.requester.email for opening in asking],
        limit=settings.MAIL_ACK_LIMIT_PER_SENDER,
        window_seconds=settings.MAIL_ACK_LIMIT_WINDOW_SECONDS,
    )
    for opening, acknowledge in zip(asking, allowed, strict=True):
        opening.acknowledge = acknowledge
    return tickets_open(openings, acknowledgements=acknowledgements)


def relax_commit_durability() -> None:
    """Let PostgreSQL acknowledge this transaction's commit before its WAL reaches disk.

    Safe here, and only here: the raw mail was stored durably before anything was promised
    to the sender. If the server crashed within the next moment and lost this processing, the
    InboundMail row would be back in ``received`` and the stuck-mail sweep would process it
    again; nothing is lost, and it saves a disk flush per mail.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _same_mails_stored_before(mails: Sequence[InboundMail]) -> set[int]:
    """Those of ``mails`` whose same mail is in a row stored before the content digest became
    the key (by primary key).

    Those rows are keyed by their Message-ID, or by ``sha256:`` of the raw bytes without one:
    both are looked up through the unique key, in one query for all, and compared by content
    digest.
    """
    by_legacy_key: dict[str, list[InboundMail]] = {}
    for mail in mails:
        by_legacy_key.setdefault(f"sha256:{mail.sha256}", []).append(mail)
        if mail.message_id:
            by_legacy_key.setdefault(mail.message_id[:600], []).append(mail)
    earlier = InboundMail.objects.filter(dedupe_key__in=by_legacy_key).values_list(
        "pk", "dedupe_key", "raw"
    )
    found: set[int] = set()
    for earlier_pk, key, raw in earlier:
        digest = f"content:{content_digest(bytes(raw))}"
        found.update(
            mail.pk
            for mail in by_legacy_key[key]
            if mail.pk != earlier_pk and mail.dedupe_key == digest
        )
    return found


def _our_own_mail(message_id: str, inbound: InboundMail, batch: ProcessingBatch | None) -> bool:
    """Whether ``message_id`` is one of our outgoing mails (looked up for the whole batch by the
    Message-ID stored with the raw mail, when the parser read the same)."""
    if batch is not None and message_id == inbound.message_id:
        return message_id in batch.our_message_ids
    return Message.objects.filter(message_id=message_id, kind=Message.Kind.OUTBOUND).exists()


def mail_process(*, inbound_pk: int) -> ProcessResult:
    """Parse, classify, thread and act on one stored mail; a second call does nothing."""
    if not mail_attempt_begin(inbound_pk=inbound_pk):
        inbound = InboundMail.objects.get(pk=inbound_pk)
        return ProcessResult(inbound, InboundMail.Action.QUARANTINED, None)
    # A failed attempt rolls all of this back; it was counted above, and the task keeps the
    # error (mail_attempt_failed).
    with transaction.atomic():
        relax_commit_durability()
        inbound = InboundMail.objects.select_for_update().get(pk=inbound_pk)
        if inbound.status != InboundMail.Status.RECEIVED:
            return ProcessResult(inbound, InboundMail.Action.DUPLICATE, inbound.ticket)
        return mail_process_locked(inbound)


def mail_process_locked(
    inbound: InboundMail, *, batch: ProcessingBatch | None = None
) -> ProcessResult:
    """The work of ``mail_process`` on a ``received`` row the caller holds locked, inside the
    caller's transaction.

    In a ``batch`` (``batch.py``) a new ticket is built, not saved: the result carries it
    as ``opening``, for the batch to save with the others. A mail answering one of those
    raises ``AnswersPendingTicket``, for the batch to save them and run it again.
    """
    raw = bytes(inbound.raw)
    try:
        parsed = parse_contained(
            raw,
            our_domain=settings.MAIL_DOMAIN,
            reference_prefix=settings.TICKET_REFERENCE_PREFIX,
        )
    except MailUnprocessable as error:
        # The same bytes through the same code fail the same way: no retry.
        inbound.kind = "invalid"
        return _finish(
            inbound,
            status=InboundMail.Status.QUARANTINED,
            action=InboundMail.Action.QUARANTINED,
            reason=error.reason,
        )
    parsed = _with_envelope_sender(parsed, inbound)
    classification = classify(parsed)
    inbound.kind = classification.kind
    if classification.kind == FEEDBACK:  # a report for staff, never a ticket
        return _finish(
            inbound,
            status=InboundMail.Status.PROCESSED,
            action=InboundMail.Action.RECORDED,
            reason=feedback_report_record(inbound=inbound, parsed=parsed),
        )
    if classification.kind == "bounce":
        return _process_bounce(inbound, parsed, classification.reason)
    if classification.kind in ("auto_reply", "bulk"):
        return _finish(
            inbound,
            status=InboundMail.Status.IGNORED,
            action=InboundMail.Action.IGNORED,
            reason=classification.reason,
        )
    if classification.kind == INVALID:  # no sender: nobody could read an answer
        return _finish(
            inbound,
            status=InboundMail.Status.QUARANTINED,
            action=InboundMail.Action.QUARANTINED,
            reason=classification.reason,
        )
    stored_before = (
        inbound.pk in batch.stored_before
        if batch is not None
        else bool(_same_mails_stored_before([inbound]))
    )
    if stored_before:
        return _finish(
            inbound,
            status=InboundMail.Status.IGNORED,
            action=InboundMail.Action.DUPLICATE,
            reason="the same mail was stored before",
        )
    if parsed.message_id and _our_own_mail(parsed.message_id, inbound, batch):
        # Our own mail came back (an alias or a Bcc loop): answering it would loop.
        return _finish(
            inbound,
            status=InboundMail.Status.IGNORED,
            action=InboundMail.Action.DUPLICATE,
            reason="our own outgoing mail came back",
        )
    return _process_conversation(inbound, parsed, batch)


def _with_envelope_sender(parsed: ParsedMail, inbound: InboundMail) -> ParsedMail:
    """A mail without any sender header can still be answered at its envelope sender."""
    envelope_sender = inbound.envelope_sender.strip().strip("<>").lower()
    if parsed.sender or "@" not in envelope_sender:
        return parsed
    return dataclasses.replace(parsed, sender=envelope_sender)


def _process_conversation(
    inbound: InboundMail, parsed: ParsedMail, batch: ProcessingBatch | None
) -> ProcessResult:
    if batch is not None and batch.pending_message_ids().intersection(
        [parsed.in_reply_to, *parsed.references]
    ):
        raise AnswersPendingTicket(inbound.pk)
    match = ticket_for_mail(
        in_reply_to=parsed.in_reply_to,
        references=list(parsed.references),
        reference_tag=parsed.ticket_reference,
        sender=parsed.sender,
    )
    now = timezone.now()
    # The SLA clock starts when the mail reached us, not when a worker got to it.
    received_at = inbound.received_at
    common: dict[str, Any] = {
        "received_at": received_at,
        "body_text": parsed.text,
        "body_html": parsed.html,
        "attachments": _attachments(parsed),
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": " ".join(parsed.references),
    }
    ticket = match.ticket
    if (
        ticket is not None
        and match.sender_is_participant
        and reopen_allowed(ticket, now=now, reopen_days=settings.MAIL_REOPEN_DAYS)
    ):
        contact = Contact.objects.filter(email=parsed.sender).first()
        message = ticket_customer_reply(
            ticket=ticket,
            contact=contact,
            channel=Ticket.Channel.MAIL,
            cc_addresses=" ".join(parsed.cc),
            **common,
        )
        return _finish(
            inbound,
            status=InboundMail.Status.PROCESSED,
            action=InboundMail.Action.APPENDED,
            reason=f"threaded by {match.matched_by}",
            ticket=ticket,
            message=message,
        )
    opening = ticket_opening_build(
        channel=Ticket.Channel.MAIL,
        requester_email=parsed.sender,
        requester_name=parsed.sender_name,
        subject=parsed.subject or _no_subject(),
        related_ticket=ticket,
        acknowledge=_may_acknowledge(inbound, parsed.sender),
        cc_addresses=" ".join(parsed.cc),
        **common,
    )
    reason = ""
    if ticket is not None:
        reason = (
            f"reply to {ticket.reference} from a non-participant"
            if not match.sender_is_participant
            else f"reply to {ticket.reference} after the reopen window"
        )
    if batch is not None:
        inbound.reason = reason  # kept for when the batch saves the ticket
        return ProcessResult(inbound, InboundMail.Action.CREATED, None, opening=opening)
    [new_ticket] = _mail_tickets_open([opening])
    return _finish(
        inbound,
        status=InboundMail.Status.PROCESSED,
        action=InboundMail.Action.CREATED,
        reason=reason,
        ticket=new_ticket,
        message=opening.message,
    )


def _process_bounce(inbound: InboundMail, parsed: ParsedMail, reason: str) -> ProcessResult:
    bounce = parsed.bounce
    original = (
        Message.objects.select_related("ticket__requester")
        .filter(message_id=bounce.original_message_id, kind=Message.Kind.OUTBOUND)
        .first()
        if bounce is not None and bounce.original_message_id
        else None
    )
    if bounce is None or original is None:
        return _finish(
            inbound,
            status=InboundMail.Status.IGNORED,
            action=InboundMail.Action.IGNORED,
            reason=f"{reason}; not a bounce of our mail",
        )
    ticket = original.ticket
    failed = [address.lower() for address in bounce.failed_recipients] or [original.recipient]
    Contact.objects.filter(email__in=failed).update(email_undeliverable=True)
    detail = bounce.diagnostic or bounce.status or reason
    note = ticket_system_note(
        ticket=ticket,
        body_text=(
            f"配信エラー: {', '.join(failed)} 宛てのメールが届きませんでした。\n"
            f"Delivery failed to {', '.join(failed)}: {detail}"
        ),
    )
    Message.objects.filter(pk=original.pk).update(
        delivery_status=Message.DeliveryStatus.FAILED, delivery_error=detail[:2000]
    )
    # Also an event, so the bounce stands in the ticket's history beside its other changes.
    ticket_event_record(
        ticket=ticket, kind=TicketEvent.Kind.BOUNCE, detail=f"{', '.join(failed)}: {detail}"
    )
    return _finish(
        inbound,
        status=InboundMail.Status.PROCESSED,
        # Appended to its ticket, as an internal event.
        action=InboundMail.Action.APPENDED,
        reason=f"{reason}; address marked undeliverable",
        ticket=ticket,
        message=note,
    )


def mail_reprocess(*, inbound_pk: int) -> ProcessResult:
    """Put a quarantined or failed mail back to ``received`` and process it again."""
    updated = InboundMail.objects.filter(
        pk=inbound_pk,
        status__in=[InboundMail.Status.QUARANTINED, InboundMail.Status.FAILED],
    ).update(status=InboundMail.Status.RECEIVED, action="", reason="", attempts=0)
    if not updated and not InboundMail.objects.filter(pk=inbound_pk).exists():
        raise InboundMail.DoesNotExist(f"no inbound mail #{inbound_pk}")
    return mail_process(inbound_pk=inbound_pk)


def mail_gateway_token_create(*, name: str) -> str:
    """A new key for an external gateway; only its hash is kept, so it is shown once."""
    raw_token = token_new()
    MailGatewayToken.objects.create(name=name, token_hash=token_hash(raw_token))
    return raw_token


def mail_gateway_token_check(*, raw_token: str) -> MailGatewayToken | None:
    gateway = MailGatewayToken.objects.filter(
        token_hash=token_hash(raw_token), is_active=True
    ).first()
    if gateway is not None:
        MailGatewayToken.objects.filter(pk=gateway.pk).update(last_used_at=timezone.now())
    return gateway
