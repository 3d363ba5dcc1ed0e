"""A remote-support session: its start, only on a valid and unrevoked grant (a refused
attempt is recorded), and its end. Both appear in the ticket's conversation."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from helpdesk.tickets.services import now_in_seconds

from .models import RemoteSupportRequest
from .services import (
    ConsentRefused,
    Kind,
    Status,
    consent_event_record,
    conversation_note,
    desk_text,
)


def _refuse(request: RemoteSupportRequest, actor: User | None, message: str) -> None:
    with transaction.atomic():
        consent_event_record(
            request, Kind.SESSION_REFUSED, now_in_seconds(), actor=actor, detail=message
        )
    raise ConsentRefused(message)


def remote_session_start(*, request: RemoteSupportRequest, actor: User) -> RemoteSupportRequest:
    """Staff connect: only while the grant is valid and not revoked. A refusal is recorded."""
    with transaction.atomic():
        locked = RemoteSupportRequest.objects.select_for_update().get(pk=request.pk)
        now = now_in_seconds()
        message = None
        if locked.status != Status.GRANTED:
            message = gettext(
                "Remote support cannot start: the customer has not granted consent "
                "(status: %(status)s)."
            ) % {"status": locked.get_status_display()}
        elif locked.expires_at <= now:
            message = gettext("Remote support cannot start: the consent has expired.")
        elif locked.session_started_at is not None:
            message = gettext("This consent was already used for a session.")
        if message is None:
            locked.session_started_at = now
            locked.save(update_fields=["session_started_at"])
            consent_event_record(locked, Kind.SESSION_STARTED, now, actor=actor)
            conversation_note(
                locked, desk_text(gettext_noop("Remote support session started")), now, actor
            )
            return locked
    _refuse(locked, actor, message)
    raise AssertionError("unreachable")  # _refuse raises


def remote_session_end(
    *, request: RemoteSupportRequest, actor: User | None
) -> RemoteSupportRequest:
    with transaction.atomic():
        locked = RemoteSupportRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.session_active:
            raise ConsentRefused(gettext("No remote support session is running."))
        now = now_in_seconds()
        locked.session_ended_at = now
        locked.status = Status.COMPLETED
        locked.save(update_fields=["session_ended_at", "status"])
        consent_event_record(locked, Kind.SESSION_ENDED, now, actor=actor)
        conversation_note(
            locked, desk_text(gettext_noop("Remote support session ended")), now, actor
        )
    return locked
