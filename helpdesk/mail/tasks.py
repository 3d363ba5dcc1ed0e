"""Mail intake tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from helpdesk.core.taskbase import TRANSIENT_DATABASE_ERRORS, database_connections_discard_broken

from .attempts import mail_attempt_failed, mail_quarantine
from .batch import mail_process_batch
from .imap import imap_poll, parse_mailbox_url
from .models import ImapMailboxState
from .selectors import inbound_stuck_ids
from .services import mail_process

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=5,
    # No mail may hold a worker longer than this (issue 9: a mail of nested <div>s held one
    # for 90 s). The soft limit interrupts Python code; the hard one kills the process, and
    # then the message goes back on the queue (not acknowledged), for the next attempt to be
    # counted and, after MAIL_PROCESS_MAX_ATTEMPTS, to quarantine the mail.
    soft_time_limit=8,
    time_limit=10,
    acks_on_timeout=False,
)
def mail_process_task(self, inbound_pk: int) -> None:
    try:
        mail_process(inbound_pk=inbound_pk)
    except TRANSIENT_DATABASE_ERRORS:
        raise  # the task class drops the connection and retries (core/taskbase.py)
    except Exception as error:
        # A fresh connection for the bookkeeping: the one that failed may be the cause.
        database_connections_discard_broken()
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
        # A mail that ran out of time is retried at once: the budget, not the moment, is
        # what it lacked, and mail_attempt_begin ends the retries.
        countdown = 0 if isinstance(error, SoftTimeLimitExceeded) else 10 * 2**self.request.retries
        raise self.retry(exc=error, countdown=min(600, countdown)) from error


@shared_task(
    ignore_result=True,
    acks_late=True,
    # The same budget as one mail's: a batch of first attempts takes a fraction of it, and a
    # killed batch comes back with every mail tried once, so each then goes alone.
    soft_time_limit=8,
    time_limit=10,
    acks_on_timeout=False,
)
def mail_process_batch_task(inbound_pks: list[int]) -> None:
    result = mail_process_batch(inbound_pks=inbound_pks)
    for inbound_pk in result.alone:
        mail_process_task.delay(inbound_pk)


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
