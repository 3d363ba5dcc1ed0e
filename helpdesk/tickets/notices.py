"""Notice mails of announcements (maintenance, closures, environment changes) to every active
contact, each exactly once per stage, with a record of who was told when.

Planning writes one ``NoticeDelivery`` row per announcement, stage and address; a unique
constraint makes a second planning run add nothing. Sending locks a contact's queued rows,
sends one mail covering all of them and marks them sent in the same transaction: a retried
or duplicated task finds nothing queued and sends nothing. (If the process dies after the SMTP
server accepted the mail but before the commit, the retry sends it again: no SMTP server
offers an exactly-once handshake, so this window is as small as it can be made.)
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from sla.announcements import Announcement, announcements_upcoming, notices_due
from sla.models import NoticeDelivery

from .models import Contact, Ticket
from .outbound import outbound_message_id_new, outbound_sender

logger = logging.getLogger(__name__)

TEMPLATE = "mail/announcement_notice.txt"


def _language(language: str | None) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def notice_recipients(*, now: datetime.datetime) -> QuerySet[Contact]:
    """Active contacts: mail reaches them, and they belong to a customer organization or
    wrote to us within ``NOTICE_ACTIVE_DAYS``. Annotated with the language of their latest
    ticket (the language they chose to talk to us in)."""
    recent = now - datetime.timedelta(days=settings.NOTICE_ACTIVE_DAYS)
    latest_language = (
        Ticket.objects.filter(requester=OuterRef("pk")).order_by("-received_at").values("language")
    )
    wrote_recently = Ticket.objects.filter(requester=OuterRef("pk"), received_at__gte=recent)
    return (
        Contact.objects.filter(email_undeliverable=False)
        .filter(Q(organization__isnull=False) | Exists(wrote_recently))
        .annotate(latest_language=Subquery(latest_language[:1]))
        .order_by("pk")
    )


@transaction.atomic
def notices_plan(*, now: datetime.datetime | None = None) -> list[str]:
    """Queue the notices due now; returns the addresses that have mail waiting (to enqueue).

    Batched: contacts are read and rows inserted ``NOTICE_BATCH_SIZE`` at a time.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    due = notices_due(now=now)
    if due:
        # latest_language is annotated by notice_recipients; the stubs cannot see annotations.
        recipients = notice_recipients(now=now).values_list(
            "pk",
            "email",
            "latest_language",  # type: ignore[misc]
        )
        batch_size = settings.NOTICE_BATCH_SIZE
        last_pk = 0
        while batch := list(recipients.filter(pk__gt=last_pk)[:batch_size]):
            last_pk = batch[-1][0]
            NoticeDelivery.objects.bulk_create(
                [
                    NoticeDelivery(
                        subject=announcement.subject,
                        subject_pk=announcement.pk,
                        stage=stage,
                        email=email,
                        contact_pk=contact_pk,
                        language=_language(language),
                        queued_at=now,
                    )
                    for contact_pk, email, language in batch
                    for announcement, stage in due
                ],
                ignore_conflicts=True,
                batch_size=1000,
            )
    # New rows, and rows whose task was lost (still queued an hour later).
    stale = now - datetime.timedelta(seconds=settings.NOTICE_REQUEUE_AFTER_SECONDS)
    return list(
        NoticeDelivery.objects.filter(status=NoticeDelivery.Status.QUEUED)
        .filter(Q(queued_at=now) | Q(queued_at__lt=stale))
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


def _render(
    announcements: list[tuple[Announcement, str]], *, contact: Contact, language: str
) -> tuple[str, str]:
    with translation.override(language):
        titles = "、".join(item.title for item, _stage in announcements)
        subject = gettext("[Notice] %(titles)s") % {"titles": titles}
        body = render_to_string(
            TEMPLATE,
            {
                "contact": contact,
                "items": announcements,
                "helpdesk_name": settings.HELPDESK_NAME,
                "notices_url": settings.SITE_URL.rstrip("/") + reverse("portal:home"),
                "environment_url": settings.SITE_URL.rstrip("/") + reverse("portal:environment"),
            },
        )
    return " ".join(subject.split())[:200], body


def _delivery_skip(delivery: NoticeDelivery, *, reason: str) -> None:
    delivery.status, delivery.reason = NoticeDelivery.Status.SKIPPED, reason
    delivery.save(update_fields=["status", "reason"])


def notice_send(*, email: str) -> int:
    """Send ``email`` one mail with every notice queued for it; returns how many it covered.

    Raises a send error (and leaves the rows queued) for the task to retry.
    """
    now = timezone.now()
    with transaction.atomic():
        deliveries = list(
            NoticeDelivery.objects.select_for_update(skip_locked=True)
            .filter(email=email, status=NoticeDelivery.Status.QUEUED)
            .order_by("pk")
        )
        if not deliveries:
            return 0
        contact = Contact.objects.filter(email=email).first()
        language = deliveries[0].language
        with translation.override(language):
            upcoming = {item.key: item for item in announcements_upcoming(now=now)}
        to_send: list[tuple[Announcement, str]] = []
        for delivery in deliveries:
            item = upcoming.get((delivery.subject, delivery.subject_pk))
            if contact is None or contact.email_undeliverable:
                _delivery_skip(delivery, reason="the address is undeliverable or no longer known")
            elif item is None or now >= item.starts_at:
                _delivery_skip(delivery, reason="withdrawn or already begun")
            else:
                to_send.append((item, delivery.stage))
        if not to_send or contact is None:
            return 0
        subject, body = _render(to_send, contact=contact, language=language)
        message_id = outbound_message_id_new()
        EmailMessage(
            subject=subject,
            body=body,
            from_email=outbound_sender(),
            to=[email],
            headers={
                "Message-ID": message_id,
                # An administrative notice: out-of-office replies should not answer it.
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "All",
            },
        ).send()
        sent = [delivery.pk for delivery in deliveries if delivery.status == "queued"]
        NoticeDelivery.objects.filter(pk__in=sent).update(
            status=NoticeDelivery.Status.SENT, sent_at=timezone.now(), message_id=message_id
        )
    logger.info("notice sent deliveries=%s message_id=%s", sent, message_id)
    return len(sent)
