"""Writes for the core app."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


@transaction.atomic
def heartbeat_record(*, source: str) -> Heartbeat:
    """Note that ``source`` is alive now; safe to repeat (one row per source)."""
    now = timezone.now()
    heartbeat, created = Heartbeat.objects.get_or_create(
        source=source, defaults={"beats": 1, "last_seen_at": now}
    )
    if not created:
        Heartbeat.objects.filter(pk=heartbeat.pk).update(beats=F("beats") + 1, last_seen_at=now)
        heartbeat.refresh_from_db()
    return heartbeat
