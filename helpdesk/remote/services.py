"""Every write to remote-support requests: asking, the customer's decision through a
single-use link, revoking, the session's start and end, and the upkeep (reminder, expiry).

Each step leaves an audit row (``RemoteConsentEvent``) and a line in the ticket's conversation;
a session never starts without a valid, unrevoked grant, and a refused attempt is recorded.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop

from helpdesk.core.tokens import token_hash, token_new
from helpdesk.tickets.changes import user_display_name
from helpdesk.tickets.models import StaffNotification, Ticket, TicketEvent
from helpdesk.tickets.services import now_in_seconds
from helpdesk.tickets.staff_notifications import RecipientResolver, staff_notify
from helpdesk.tickets.tasks import staff_digest_task
from sla.calendars import business_clock, parse_windows

from .models import ConsentText, RemoteConsentEvent, RemoteSupportRequest

Status = RemoteSupportRequest.Status
Kind = RemoteConsentEvent.Kind


class ConsentRefused(Exception):
    """A step the request's state does not allow; ``str()`` is a message for people."""


class ConsentLinkInvalid(Exception):
    """The customer's link cannot decide: ``reason`` is invalid, used or expired."""

    def __init__(self, reason: str, request: RemoteSupportRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


@dataclass(frozen=True)
class Decider:
    """Where a customer's decision came from, for the audit trail."""

    ip_address: str | None = None
    user_agent: str = ""


def consent_event_record(
    request: RemoteSupportRequest,
    kind: str,
    at: datetime.datetime,
    *,
    actor: User | None = None,
    decider: Decider | None = None,
    detail: str = "",
) -> RemoteConsentEvent:
    return RemoteConsentEvent.objects.create(
        request=request,
        kind=kind,
        at=at,
        actor=actor,
        ip_address=decider.ip_address if decider else None,
        user_agent=(decider.user_agent if decider else "")[:500],
        detail=detail,
    )


def conversation_note(
    request: RemoteSupportRequest, text: str, at: datetime.datetime, actor: User | None = None
) -> None:
    """A line in the ticket's conversation, in the desk's language."""
    TicketEvent.objects.create(
        ticket_id=request.ticket_id,
        kind=TicketEvent.Kind.SYSTEM,
        actor=actor,
        detail=text,
        created_at=at,
    )


def desk_text(message: str, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % values


def _notify(
    request: RemoteSupportRequest, kind: str, recipient_ids: list[int], at: datetime.datetime
) -> None:
    recipients = sorted(set(recipient_ids))
    staff_notify(recipient_ids=recipients, kind=kind, ticket=request.ticket, at=at)
    for recipient_id in recipients:
        transaction.on_commit(partial(staff_digest_task.delay, recipient_id), robust=True)


def _staff_involved(request: RemoteSupportRequest) -> list[int]:
    ids = [request.requested_by_id]
    if request.ticket.assignee_id:
        ids.append(request.ticket.assignee_id)
    return ids


def consent_default_expiry(*, now: datetime.datetime) -> datetime.datetime:
    """The end of the next business day (the last desk window's end), on the business clock."""
    clock = business_clock()
    day = now.astimezone(clock.tz).date() + datetime.timedelta(days=1)
    while not clock.is_business_day(day):
        day += datetime.timedelta(days=1)
    closing = parse_windows(settings.SLA_DESK_WINDOWS)[-1][1]
    return datetime.datetime.combine(day, closing, tzinfo=clock.tz)


def consent_statement(request: RemoteSupportRequest) -> str:
    """The exact text the customer is shown and agrees to: the stored wording, then this
    request's details, in the wording's language. Its SHA-256 is kept with the request."""
    text = request.consent_text
    with translation.override(text.language):
        valid_until = formats.date_format(timezone.localtime(request.expires_at), "Y-m-d H:i")
        details = [
            gettext("Requested by: %(name)s") % {"name": user_display_name(request.requested_by)},
            gettext("Inquiry: %(reference)s") % {"reference": request.ticket.reference},
            gettext("Scope: %(scope)s") % {"scope": request.get_scope_display()},
            gettext("Tool: %(tool)s") % {"tool": request.tool},
            gettext("Reason: %(reason)s") % {"reason": request.reason},
            gettext("Consent valid until: %(until)s (Japan time)") % {"until": valid_until},
        ]
    return text.body.rstrip() + "\n\n" + "\n".join(details) + "\n"


def statement_sha256(statement: str) -> str:
    return hashlib.sha256(statement.encode()).hexdigest()


def _consent_text_for(language: str) -> ConsentText:
    texts = ConsentText.objects.order_by("-created_at", "-pk")
    text = (
        texts.filter(language=language).first()
        or texts.filter(language=settings.LANGUAGE_CODE).first()
    )
    if text is None:
        # The remote app's data migration stores the wordings, so only a damaged database
        # gets here; no request can be made without a text for the customer to agree to.
        raise ConsentText.DoesNotExist(f"no consent text in {language} or the desk's language")
    return text


@transaction.atomic
def consent_request(
    *,
    ticket: Ticket,
    requested_by: User,
    scope: str,
    reason: str,
    tool: str,
    expires_at: datetime.datetime | None = None,
) -> RemoteSupportRequest:
    """Staff ask the customer for remote support; the link goes out by mail from a worker."""
    if scope not in RemoteSupportRequest.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    if not reason.strip() or not tool.strip():
        raise ValueError("a request needs a reason and a tool")
    now = now_in_seconds()
    expires_at = (expires_at or consent_default_expiry(now=now)).replace(microsecond=0)
    if expires_at <= now:
        raise ValueError("the consent must be valid for some time")
    clock = business_clock()
    # Half the validity in business time, so the reminder falls while the desk is open.
    middle = (clock.position(now) + clock.position(expires_at)) // 2
    if middle > clock.position(now):
        remind_at = clock.instant_at_position(middle)
    else:
        # No desk time inside the validity (asked after hours, valid until tonight): halfway
        # on the wall clock, rather than at once.
        remind_at = now + (expires_at - now) / 2
    request = RemoteSupportRequest(
        ticket=ticket,
        requested_by=requested_by,
        scope=scope,
        reason=reason.strip(),
        tool=tool.strip()[:100],
        consent_text=_consent_text_for(ticket.language),
        created_at=now,
        expires_at=expires_at,
        remind_at=min(remind_at, expires_at),
    )
    request.consent_text_sha256 = statement_sha256(consent_statement(request))
    request.save()
    consent_event_record(
        request, Kind.REQUESTED, now, actor=requested_by, detail=request.get_scope_display()
    )
    conversation_note(
        request,
        desk_text(
            gettext_noop("Remote support requested (%(scope)s, %(tool)s)"),
            scope=request.get_scope_display(),
            tool=request.tool,
        ),
        now,
        actor=requested_by,
    )
    # The task module imports this one (task -> service), so the enqueue imports it late.
    from .tasks import consent_link_send_task

    transaction.on_commit(lambda: consent_link_send_task.delay(request.pk, False), robust=True)
    return request


def consent_link_issue(*, request: RemoteSupportRequest) -> str:
    """A new single-use link key (256 bits); the previous link stops working."""
    raw_token = token_new()
    request.token_hash = token_hash(raw_token)
    request.save(update_fields=["token_hash"])
    return raw_token


@dataclass
class UpkeepResult:
    reminders: list[int] = field(default_factory=list)
    expired: int = 0


def _request_by_token(raw_token: str) -> RemoteSupportRequest | None:
    if not raw_token:
        return None
    return (
        RemoteSupportRequest.objects.select_for_update(of=("self",))
        .select_related("ticket", "requested_by", "consent_text")
        .filter(token_hash=token_hash(raw_token))
        .first()
    )


def _decide(
    request: RemoteSupportRequest, *, grant: bool, decider: Decider, now: datetime.datetime
) -> None:
    """Record the decision on a locked, pending, unexpired request; the mailed link is used."""
    request.status = Status.GRANTED if grant else Status.DECLINED
    request.decided_at = now
    request.token_used_at = now
    request.decision_ip = decider.ip_address
    request.decision_user_agent = decider.user_agent[:500]
    request.save()
    consent_event_record(request, Kind.GRANTED if grant else Kind.DECLINED, now, decider=decider)
    conversation_note(
        request,
        desk_text(gettext_noop("The customer granted remote support"))
        if grant
        else desk_text(gettext_noop("The customer declined remote support")),
        now,
    )
    _notify(
        request,
        StaffNotification.Kind.CONSENT_GRANTED
        if grant
        else StaffNotification.Kind.CONSENT_DECLINED,
        _staff_involved(request),
        now,
    )


def consent_decide(*, raw_token: str, grant: bool, decider: Decider) -> RemoteSupportRequest:
    """The customer grants or declines through the mailed link. The link decides once; a used,
    replaced or expired link raises ConsentLinkInvalid (and the attempt is recorded)."""
    with transaction.atomic():
        request = _request_by_token(raw_token)
        if request is None:
            raise ConsentLinkInvalid("invalid")
        now = now_in_seconds()
        refusal = None
        if request.token_used_at is not None or request.status != Status.PENDING:
            refusal = "used" if request.status != Status.EXPIRED else "expired"
        elif request.expires_at <= now:
            refusal = "expired"
        if refusal is None:
            _decide(request, grant=grant, decider=decider, now=now)
            return request
        consent_event_record(request, Kind.LINK_REFUSED, now, decider=decider, detail=refusal)
    raise ConsentLinkInvalid(refusal, request)


def consent_decide_on_status_page(
    *, request: RemoteSupportRequest, grant: bool, decider: Decider
) -> RemoteSupportRequest:
    """The same decision from the ticket's status page (its own private link is the key)."""
    with transaction.atomic():
        locked = (
            RemoteSupportRequest.objects.select_for_update(of=("self",))
            .select_related("ticket", "requested_by")
            .get(pk=request.pk)
        )
        now = now_in_seconds()
        if locked.status == Status.PENDING and locked.expires_at > now:
            _decide(locked, grant=grant, decider=decider, now=now)
            return locked
        consent_event_record(locked, Kind.LINK_REFUSED, now, decider=decider, detail="status page")
    raise ConsentRefused(gettext("This request can no longer be answered."))


def consent_revoke(*, request: RemoteSupportRequest, decider: Decider) -> RemoteSupportRequest:
    """The customer withdraws a grant (any time until the session ends): a running session
    ends at once and the assignee is told at once."""
    with transaction.atomic():
        request = (
            RemoteSupportRequest.objects.select_for_update(of=("self",))
            .select_related("ticket", "requested_by")
            .get(pk=request.pk)
        )
        if request.status != Status.GRANTED:
            raise ConsentRefused(gettext("There is no consent to revoke."))
        now = now_in_seconds()
        request.status = Status.REVOKED
        request.revoked_at = now
        if request.session_active:
            request.session_ended_at = now
            consent_event_record(request, Kind.SESSION_ENDED, now, detail="revoked")
        request.save()
        consent_event_record(request, Kind.REVOKED, now, decider=decider)
        conversation_note(
            request,
            desk_text(gettext_noop("The customer revoked the remote support consent")),
            now,
        )
        _notify(request, StaffNotification.Kind.CONSENT_REVOKED, _staff_involved(request), now)
    return request


def consent_revoke_by_token(*, raw_token: str, decider: Decider) -> RemoteSupportRequest:
    """Revoking through the (already used) link in the mail: possession of it suffices, since
    revoking only ever takes permission away."""
    with transaction.atomic():
        request = _request_by_token(raw_token)
    if request is None:
        raise ConsentLinkInvalid("invalid")
    return consent_revoke(request=request, decider=decider)


def consent_upkeep(*, now: datetime.datetime | None = None) -> UpkeepResult:
    """Expire what ran out (telling staff; an unanswered request goes to the supervisors) and
    list the reminders due. Idempotent: each request is locked and its state checked."""
    now = now or now_in_seconds()
    result = UpkeepResult()
    resolver = RecipientResolver()
    with transaction.atomic():
        due = list(
            RemoteSupportRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("ticket")
            .filter(status__in=[Status.PENDING, Status.GRANTED], expires_at__lte=now)
            .order_by("expires_at")[:200]
        )
        for request in due:
            unanswered = request.status == Status.PENDING
            request.status = Status.EXPIRED
            if request.session_active:
                request.session_ended_at = now
                consent_event_record(request, Kind.SESSION_ENDED, now, detail="expired")
            request.save(update_fields=["status", "session_ended_at"])
            consent_event_record(request, Kind.EXPIRED, now)
            conversation_note(
                request, desk_text(gettext_noop("The remote support consent expired")), now
            )
            _notify(request, StaffNotification.Kind.CONSENT_EXPIRED, _staff_involved(request), now)
            if unanswered:
                consent_event_record(request, Kind.UNANSWERED, now)
                _notify(
                    request,
                    StaffNotification.Kind.CONSENT_UNANSWERED,
                    resolver.supervisors(request.ticket.queue),
                    now,
                )
        result.expired = len(due)
    result.reminders = list(
        RemoteSupportRequest.objects.filter(
            status=Status.PENDING, reminded_at__isnull=True, remind_at__lte=now, expires_at__gt=now
        ).values_list("pk", flat=True)
    )
    return result
