"""The writes intake does for a bounce of our own mail: the address is marked undeliverable,
the mail that bounced is marked failed, and the ticket gets a note and an event.

Called by ``services.mail_process`` inside its transaction.
"""

from __future__ import annotations

from helpdesk.tickets.changes import ticket_event_record
from helpdesk.tickets.models import Contact, Message, TicketEvent
from helpdesk.tickets.services import ticket_system_note

from .parse import ParsedMail


def bounce_record(*, parsed: ParsedMail, reason: str) -> Message | None:
    """Record the bounce on the ticket of the mail it returns; the note written, or None when
    it is not a bounce of a mail of ours."""
    bounce = parsed.bounce
    original = (
        Message.objects.select_related("ticket__requester")
        .filter(message_id=bounce.original_message_id, kind=Message.Kind.OUTBOUND)
        .first()
        if bounce is not None and bounce.original_message_id
        else None
    )
    if bounce is None or original is None:
        return None
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
    return note
