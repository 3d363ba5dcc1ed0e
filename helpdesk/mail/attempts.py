"""Bookkeeping of processing attempts: counted before each attempt, the last error kept, and
the quarantine that ends a mail's attempts. Nothing here parses a mail.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import InboundMail


def mail_attempt_begin(*, inbound_pk: int) -> bool:
    """Count one processing attempt, committed before the work starts; False to stop.

    Counted first because an attempt can end without any chance to count it: a worker killed
    by the hard time limit, the OOM killer or a deploy. A mail that did that
    ``MAIL_PROCESS_MAX_ATTEMPTS`` times is quarantined here instead of being tried again,
    so a poison mail costs a few attempts, not a worker process every sweep forever.
    """
    with transaction.atomic():
        counted = InboundMail.objects.filter(
            pk=inbound_pk, status=InboundMail.Status.RECEIVED
        ).update(attempts=F("attempts") + 1)
        if not counted:
            return True  # processed already, or gone: mail_process says which
        attempts = InboundMail.objects.values_list("attempts", flat=True).get(pk=inbound_pk)
        if attempts <= settings.MAIL_PROCESS_MAX_ATTEMPTS:
            return True
        previous = InboundMail.objects.values_list("reason", flat=True).get(pk=inbound_pk)
        mail_quarantine(
            inbound_pk=inbound_pk,
            reason=f"processing did not finish in {attempts - 1} attempts"
            + (f"; last error: {previous}" if previous else " (the worker was stopped each time)"),
        )
        return False


def mail_attempt_failed(*, inbound_pk: int, error: BaseException) -> None:
    """Keep a failed attempt's error for the operator (mail_attempt_begin counted it)."""
    InboundMail.objects.filter(pk=inbound_pk, status=InboundMail.Status.RECEIVED).update(
        reason=f"{type(error).__name__}: {error}"[:5000]
    )


def mail_quarantine(*, inbound_pk: int, reason: str) -> None:
    """After the last retry: keep the mail, say why, and let an operator reprocess it."""
    InboundMail.objects.filter(pk=inbound_pk, status=InboundMail.Status.RECEIVED).update(
        status=InboundMail.Status.QUARANTINED,
        action=InboundMail.Action.QUARANTINED,
        reason=reason[:5000],
        processed_at=timezone.now(),
    )


def mail_attempts_begin_first(*, inbound_pks: Sequence[int]) -> tuple[list[int], list[int]]:
    """Count the first attempt of each mail never tried before, in one committed transaction.

    Returns the mails counted, and the mails still ``received`` that were tried before (a
    batch that failed or was killed); those go through ``mail_process`` one by one, so a
    poison mail costs the mails batched with it one attempt at most. Mails already processed
    are in neither list.
    """
    with transaction.atomic():
        attempts = dict(
            InboundMail.objects.select_for_update()
            .filter(pk__in=inbound_pks, status=InboundMail.Status.RECEIVED)
            .values_list("pk", "attempts")
        )
        first = [pk for pk in inbound_pks if attempts.get(pk) == 0]
        InboundMail.objects.filter(pk__in=first).update(attempts=F("attempts") + 1)
    tried_before = [pk for pk in inbound_pks if attempts.get(pk, 0) > 0]
    return first, tried_before
