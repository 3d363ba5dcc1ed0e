"""Reads for remote support: a ticket's requests, what a consent link shows, the audit trail
(and its CSV export: UTF-8 with a byte-order mark, so Excel in Japan opens it correctly)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from helpdesk.core.tokens import token_hash
from helpdesk.tickets.changes import user_display_name
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import now_in_seconds

from .models import RemoteConsentEvent, RemoteSupportRequest
from .services import consent_statement

Status = RemoteSupportRequest.Status


def consent_requests_for_ticket(*, ticket: Ticket) -> QuerySet[RemoteSupportRequest]:
    return RemoteSupportRequest.objects.filter(ticket=ticket).select_related(
        "requested_by", "consent_text"
    )


@dataclass(frozen=True)
class ConsentPage:
    """What a consent link shows: ``state`` is decide, used, expired or invalid."""

    state: str
    request: RemoteSupportRequest | None = None
    statement: str = ""

    @property
    def can_revoke(self) -> bool:
        return (
            self.request is not None
            and self.request.status == Status.GRANTED
            and self.request.session_ended_at is None
        )


def consent_page_for_token(*, raw_token: str) -> ConsentPage:
    request = (
        RemoteSupportRequest.objects.select_related("ticket", "requested_by", "consent_text")
        .filter(token_hash=token_hash(raw_token))
        .first()
    )
    if request is None:
        return ConsentPage("invalid")
    statement = consent_statement(request)
    if request.status == Status.PENDING and request.token_used_at is None:
        if request.expires_at > now_in_seconds():
            return ConsentPage("decide", request, statement)
        return ConsentPage("expired", request, statement)
    if request.status == Status.EXPIRED:
        return ConsentPage("expired", request, statement)
    return ConsentPage("used", request, statement)


def consent_audit_events(*, ticket: Ticket) -> QuerySet[RemoteConsentEvent]:
    return (
        RemoteConsentEvent.objects.filter(request__ticket=ticket)
        .select_related("request__consent_text", "actor")
        .order_by("at", "id")
    )


def consent_audit_rows(*, ticket: Ticket) -> list[dict[str, str]]:
    """One dict a consent event, in the active language, times in Japan time."""
    rows = []
    for event in consent_audit_events(ticket=ticket):
        request = event.request
        rows.append(
            {
                "at": timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                "request": str(request.pk),
                "event": str(event.get_kind_display()),
                "staff": user_display_name(event.actor),
                "ip_address": event.ip_address or "",
                "user_agent": event.user_agent,
                "scope": str(request.get_scope_display()),
                "tool": request.tool,
                "consent_version": f"{request.consent_text.version} "
                f"({request.consent_text.language})",
                "consent_sha256": request.consent_text_sha256,
                "detail": event.detail,
            }
        )
    return rows


def consent_audit_csv(*, ticket: Ticket) -> bytes:
    headers = {
        "at": gettext("Time (Japan)"),
        "request": gettext("Request"),
        "event": gettext("Event"),
        "staff": gettext("Staff"),
        "ip_address": gettext("IP address"),
        "user_agent": gettext("User agent"),
        "scope": gettext("Scope"),
        "tool": gettext("Tool"),
        "consent_version": gettext("Consent text version"),
        "consent_sha256": gettext("SHA-256 of the text shown"),
        "detail": gettext("Detail"),
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(headers), lineterminator="\r\n")
    writer.writerow(headers)
    for row in consent_audit_rows(ticket=ticket):
        # A cell starting with =, +, - or @ would run as a formula in a spreadsheet.
        writer.writerow(
            {key: f"'{value}" if value[:1] in "=+-@" else value for key, value in row.items()}
        )
    return buffer.getvalue().encode("utf-8-sig")
