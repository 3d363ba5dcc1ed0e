"""The outbox sweep: mail we owe a customer whose task was lost gets sent after all.

An acknowledgement or answer is queued with ``transaction.on_commit(..., robust=True)``, so a
broker outage at that moment does not fail the request, but the task would never run. The
state is in the database (``Ticket.acknowledgement_pending``, ``Message.delivery_status``),
so this periodic sweep enqueues again whatever has waited too long. Both tasks are
idempotent: a mail already sent, or being retried, is not sent twice.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import Message, Ticket


def outbox_overdue(*, older_than_seconds: int, limit: int = 200) -> tuple[list, list]:
    """``([(ticket_id, language)], [message_pk])`` owed for longer than the given time."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    acknowledgements = list(
        Ticket.objects.filter(acknowledgement_pending=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", "language")[:limit]
    )
    answers = list(
        Message.objects.filter(
            kind=Message.Kind.OUTBOUND,
            is_automatic=False,
            delivery_status=Message.DeliveryStatus.QUEUED,
            created_at__lt=cutoff,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return acknowledgements, answers
