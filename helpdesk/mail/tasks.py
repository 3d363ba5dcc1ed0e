"""Mail intake tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .imap import imap_poll, parse_mailbox_url
from .models import ImapMailboxState
from .selectors import inbound_stuck_ids
from .services import mail_attempt_failed, mail_process, mail_quarantine

logger = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=5)
def mail_process_task(self, inbound_pk: int) -> None:
    try:
        mail_process(inbound_pk=inbound_pk)
    except Exception as error:
        mail_attempt_failed(inbound_pk=inbound_pk, error=error)
        if self.request.retries >= self.max_retries:
            logger.exception(
                "inbound mail %s quarantined after %s attempts",
                inbound_pk,
                self.request.retries + 1,
            )
            mail_quarantine(
                inbound_pk=inbound_pk,
                reason=f"processing failed {self.request.retries + 1} times: "
                f"{type(error).__name__}: {error}",
            )
            return
        raise self.retry(exc=error, countdown=min(600, 10 * 2**self.request.retries)) from error


@shared_task(ignore_result=True)
def mail_requeue_stuck_task() -> int:
    """Every few minutes: mails still ``received`` long after storage go back on the queue."""
    stuck = inbound_stuck_ids(older_than_seconds=settings.MAIL_STUCK_AFTER_SECONDS)
    for inbound_pk in stuck:
        mail_process_task.delay(inbound_pk)
    return len(stuck)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def imap_poll_task() -> None:
    """Every minute: fetch new mail from each configured IMAP mailbox."""
    for url in settings.IMAP_MAILBOXES:
        config = parse_mailbox_url(url, processed_folder=settings.IMAP_PROCESSED_FOLDER)
        try:
            imap_poll(config)
        except Exception as error:
            logger.exception("IMAP poll of %s failed", config.key)
            ImapMailboxState.objects.update_or_create(
                mailbox=config.key, defaults={"last_error": f"{type(error).__name__}: {error}"}
            )
