"""Quarantined mail as staff see it in the console: the list, and discarding one on purpose
(kept, with who discarded it and when, never deleted)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import InboundMail

REVIEWABLE = (InboundMail.Status.QUARANTINED, InboundMail.Status.FAILED)


def quarantined_mails() -> QuerySet[InboundMail]:
    """Mail waiting for a person, newest first, without the raw bytes (shown one at a time)."""
    return (
        InboundMail.objects.filter(status__in=REVIEWABLE)
        .defer("raw")
        .order_by("-received_at", "-pk")
    )


@transaction.atomic
def mail_discard(*, inbound_pk: int, actor: User, note: str = "") -> bool:
    """Mark a quarantined mail as dealt with: ignored, with who and when in its reason.
    Returns False when it was no longer waiting (someone re-processed or discarded it)."""
    mail = InboundMail.objects.select_for_update().filter(pk=inbound_pk).first()
    if mail is None or mail.status not in REVIEWABLE:
        return False
    stamp = timezone.now().isoformat(timespec="seconds")
    who = actor.get_username()
    mail.reason = f"discarded by {who} at {stamp}: {note.strip()}\n(was: {mail.reason})"[:5000]
    mail.status = InboundMail.Status.IGNORED
    mail.action = InboundMail.Action.IGNORED
    mail.processed_at = timezone.now()
    mail.save(update_fields=["reason", "status", "action", "processed_at"])
    return True
