"""Reads for mail intake."""

from __future__ import annotations

import datetime

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
