"""Mail intake: processing what was stored (``storage.py`` stores it first).

``mail_process`` parses, classifies, threads and acts, exactly once per row; a mail it cannot
read ends in quarantine, never in an error. ``mail_process_locked`` is the same work inside a
caller's transaction, which ``batch.py`` shares among several mails.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from helpdesk.core.durability import relax_commit_durability
from helpdesk.core.ratelimit import rate_limits_consume
from helpdesk.core.rows import rows_update
from helpdesk.tickets.acknowledgements import AcknowledgementBatch
from helpdesk.tickets.models import Contact, Message, Ticket
from helpdesk.tickets.opening import TicketOpening, ticket_opening_build, tickets_open
from helpdesk.tickets.services import AttachmentInput, ticket_customer_reply

from .attempts import mail_attempt_begin
from .bounce_services import bounce_record
from .classify import FEEDBACK, INVALID, classify, is_no_reply_address
from .containment import MailUnprocessable, parse_contained
from .digest import content_digest
from .feedback_services import feedback_report_record
from .models import InboundMail
from .parse import ParsedMail
from .threading import reopen_allowed, ticket_for_mail

logger = logging.getLogger(__name__)


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
    # The mails processed so far whose tickets are still to be saved, with those tickets.
    openings: list[tuple[InboundMail, TicketOpening]] = field(default_factory=list)

    @classmethod
    def for_mails(cls, mails: Sequence[InboundMail]) -> ProcessingBatch:
        message_ids = [mail.message_id for mail in mails if mail.message_id]
        ours = Message.objects.filter(message_id__in=message_ids, kind=Message.Kind.OUTBOUND)
        return cls(
            stored_before=_same_mails_stored_before(mails),
            our_message_ids=set(ours.values_list("message_id", flat=True)),
        )

    def pending_message_ids(self) -> set[str]:
        return {opening.message.message_id for _inbound, opening in self.openings} - {""}

    def open_tickets(self) -> list[int]:
        """Save the pending tickets and mark their mails processed, in the caller's transaction;
        returns those mails' ids."""
        waiting, self.openings = self.openings, []
        _mail_tickets_open([opening for _inbound, opening in waiting], self.acknowledgements)
        for inbound, opening in waiting:
            _mark_done(
                inbound,
                status=InboundMail.Status.PROCESSED,
                action=InboundMail.Action.CREATED,
                reason=inbound.reason,  # set when the ticket was built
                ticket=opening.ticket,
                message=opening.message,
            )
        rows_update([inbound for inbound, _opening in waiting], _DONE_FIELDS)
        return [inbound.pk for inbound, _opening in waiting]


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
    # error (mail_attempt_failed). The commit need not wait for the disk: the raw mail was
    # stored durably before anything was promised to the sender, and processing lost in a
    # crash leaves the row ``received`` for the stuck-mail sweep.
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
    recorded = bounce_record(parsed=parsed, reason=reason)
    if recorded is None:
        return _finish(
            inbound,
            status=InboundMail.Status.IGNORED,
            action=InboundMail.Action.IGNORED,
            reason=f"{reason}; not a bounce of our mail",
        )
    return _finish(
        inbound,
        status=InboundMail.Status.PROCESSED,
        # Appended to its ticket, as an internal event.
        action=InboundMail.Action.APPENDED,
        reason=f"{reason}; address marked undeliverable",
        ticket=recorded.ticket,
        message=recorded,
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
