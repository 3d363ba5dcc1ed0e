"""The write intake does for a feedback report: keep it for staff, tie it to our contact.

Called by ``services.mail_process`` inside its transaction; the report itself is read by
``feedback.feedback_info`` at parse time.
"""

from __future__ import annotations

from django.db import transaction

from helpdesk.tickets.models import Contact

from .models import FeedbackReport, InboundMail
from .parse import ParsedMail


@transaction.atomic
def feedback_report_record(*, inbound: InboundMail, parsed: ParsedMail) -> str:
    """Store the report of ``parsed`` for ``inbound`` (again: unchanged); returns the reason
    to show on the inbound mail."""
    feedback = parsed.feedback
    if feedback is None:
        raise ValueError(f"inbound mail #{inbound.pk} is no feedback report")
    address = next(iter(feedback.reported_addresses), "")
    # Only a complaint marks the contact; a DMARC result says nothing about a person.
    contact = (
        Contact.objects.filter(email=address).first() if address and feedback.is_complaint else None
    )
    FeedbackReport.objects.update_or_create(
        inbound=inbound,
        defaults={
            "feedback_type": feedback.feedback_type,
            "reported_address": address[:254],
            "contact": contact,
            "original_message_id": feedback.original_message_id[:500],
            "reporter": parsed.sender[:254],
            "reported_domain": feedback.reported_domain,
            "source_ip": feedback.source_ip,
            "user_agent": feedback.user_agent,
        },
    )
    reason = f"feedback report ({feedback.feedback_type})"
    if address:
        reason += f" about {address}"
    if contact is not None:
        reason += f"; complaint recorded on contact #{contact.pk}"
    return reason
