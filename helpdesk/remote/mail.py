"""The consent link mailed to the customer (and the reminder at half the validity), in the
language of the consent text. The link's key exists only in the mail: the request stores its
hash, and each mail replaces the previous key."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from helpdesk.tickets.changes import user_display_name
from helpdesk.tickets.services import now_in_seconds

from .models import RemoteConsentEvent, RemoteSupportRequest
from .services import consent_event_record, consent_link_issue

logger = logging.getLogger(__name__)


def consent_link_send(*, request_id: int, reminder: bool = False) -> bool:
    """Mail the customer a link to decide; returns whether a mail went out.

    Idempotent: nothing is sent for a request already decided or expired, a second first
    mail, or a second reminder. A failed send rolls back (the key it carried never works)
    and raises for the task to retry."""
    with transaction.atomic():
        request = (
            RemoteSupportRequest.objects.select_for_update(of=("self",))
            .select_related("ticket__requester", "requested_by", "consent_text")
            .filter(pk=request_id)
            .first()
        )
        now = now_in_seconds()
        if request is None or request.status != RemoteSupportRequest.Status.PENDING:
            return False
        if request.expires_at <= now or request.ticket.requester.email_undeliverable:
            return False
        kind = RemoteConsentEvent.Kind.REMINDED if reminder else RemoteConsentEvent.Kind.LINK_SENT
        if request.audit_events.filter(kind=kind).exists():
            return False
        raw_token = consent_link_issue(request=request)
        url = settings.SITE_URL.rstrip("/") + reverse(
            "portal:remote_consent", kwargs={"token": raw_token}
        )
        with translation.override(request.consent_text.language):
            subject_text = (
                gettext("Reminder: remote support request")
                if reminder
                else gettext("Remote support request: your consent is needed")
            )
            body = render_to_string(
                "mail/remote_consent_request.txt",
                {
                    "request": request,
                    "ticket": request.ticket,
                    "requested_by": user_display_name(request.requested_by),
                    "url": url,
                    "reminder": reminder,
                    "valid_until": formats.date_format(
                        timezone.localtime(request.expires_at), "Y-m-d H:i"
                    ),
                    "helpdesk_name": settings.HELPDESK_NAME,
                },
            )
        EmailMessage(
            subject=f"[{request.ticket.reference}] {subject_text}",
            body=body,
            to=[request.ticket.requester.email],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()
        if reminder:
            request.reminded_at = now
            request.save(update_fields=["reminded_at"])
        consent_event_record(request, kind, now)
    logger.info("consent link sent request=%s reminder=%s", request_id, reminder)
    return True
