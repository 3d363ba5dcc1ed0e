"""Reads for mail intake."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.utils import timezone

from .models import InboundMail


def inbound_stuck_ids(*, older_than_seconds: int = 300, limit: int = 500) -> list[int]:
    """Mails stored but not processed for a while (a lost task, a worker that died)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    return list(
        InboundMail.objects.filter(status=InboundMail.Status.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def inbound_oldest_unprocessed_seconds() -> float:
    """How long the oldest mail still waiting for a worker has waited (0 when none waits)."""
    oldest = (
        InboundMail.objects.filter(status=InboundMail.Status.RECEIVED)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0


def inbound_counts_by_status() -> dict[str, int]:
    counts = dict.fromkeys(InboundMail.Status.values, 0)
    for status, count in (
        InboundMail.objects.values_list("status").annotate(count=Count("pk")).order_by()
    ):
        counts[status] = count
    return counts
