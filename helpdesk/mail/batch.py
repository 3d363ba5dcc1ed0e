"""Processing stored mail in batches: one task, one transaction, several mails.

At a few hundred mails a second the cost of a mail is mostly round trips around the parser
(the task hop, counting the attempt, locking the row, the commit), so the gateway hands the
workers its mails in small batches (``enqueue.py``) and a batch shares them. Each mail is
still its own unit:

- idempotent: only rows still ``received`` are processed, under their row lock, exactly as
  ``mail_process`` does one;
- failing alone: each mail runs in a savepoint; one that raises is rolled back by itself and
  handed to ``mail_process_task``, with its retries, error bookkeeping and quarantine;
- numbered together: the tickets the mails open are built in their savepoints and saved at the
  end of the batch in a few statements (``tickets/opening.py``), so the reference counter,
  which every ticket creation on the desk waits for, is locked for those statements and the
  commit, not for the whole batch; should saving them fail, those mails go alone;
- acknowledged as before: the batch sends the acknowledgements of the tickets it opened after
  its commit, over one mail connection (``tickets/acknowledgements.py``);
- poison-proof: only first attempts are batched (``mail_attempts_begin_first``). A mail tried
  before, because its batch failed, timed out or was killed, is processed alone, so a poison
  mail costs the mails batched with it one attempt at most.

The commit of the processing is relaxed as ``mail_process``'s is: the raw mails were stored
durably before any ``250``, and an uncommitted batch leaves its rows ``received`` for a retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction

from helpdesk.core.durability import relax_commit_durability
from helpdesk.core.taskbase import TRANSIENT_DATABASE_ERRORS

from .attempts import mail_attempt_failed, mail_attempts_begin_first
from .models import InboundMail
from .services import AnswersPendingTicket, ProcessingBatch, mail_process_locked

logger = logging.getLogger(__name__)

# Enough to share the fixed costs (the task, the attempts, the ticket and acknowledgement
# statements, three commits: at 20 a batch they were half of a mail's cost under load); small
# enough that a batch stays far inside the task's time limit (a few ms a mail).
MAIL_BATCH_SIZE = 100
# Past this, a batch takes no further mail: the rest go alone, so that legitimately slow mail
# (a huge HTML body) cannot push its neighbours into the task's 8-second soft limit.
MAIL_BATCH_BUDGET_SECONDS = 3.0


@dataclass
class BatchResult:
    processed: list[int] = field(default_factory=list)
    # Mails to process one by one (tried before, or failed in this batch).
    alone: list[int] = field(default_factory=list)


def mail_process_batch(*, inbound_pks: Sequence[int]) -> BatchResult:
    """Process the mails of a batch; return the ones to hand to ``mail_process_task``."""
    result = BatchResult()
    first_attempts, tried_before = mail_attempts_begin_first(inbound_pks=inbound_pks)
    result.alone = tried_before
    errors: dict[int, BaseException] = {}
    with transaction.atomic():
        relax_commit_durability()
        rows = (
            InboundMail.objects.select_for_update()
            .filter(pk__in=first_attempts, status=InboundMail.Status.RECEIVED)
            .order_by("pk")
        )
        pending = list(rows)
        batch = ProcessingBatch.for_mails(pending)
        started = time.monotonic()
        for position, inbound in enumerate(pending):
            if time.monotonic() - started > MAIL_BATCH_BUDGET_SECONDS:
                result.alone.extend(remaining.pk for remaining in pending[position:])
                break
            try:
                _process_one(inbound, batch, result, errors)
            except TRANSIENT_DATABASE_ERRORS:
                raise  # the connection is unwell: the whole batch is retried, mails alone
            except SoftTimeLimitExceeded as error:
                # The task's budget is nearly spent: keep what is done, send the rest alone.
                for remaining in pending[position:]:
                    errors[remaining.pk] = error
                break
            except Exception as error:
                logger.warning("inbound mail %s failed in a batch", inbound.pk, exc_info=True)
                errors[inbound.pk] = error
        _open_tickets(batch, result, errors)
    # Committed: the tickets opened are there, and so is each one's acknowledgement duty.
    batch.acknowledgements.send()
    for inbound_pk, failure in errors.items():
        mail_attempt_failed(inbound_pk=inbound_pk, error=failure)
        result.alone.append(inbound_pk)
    return result


def _process_one(
    inbound: InboundMail,
    batch: ProcessingBatch,
    result: BatchResult,
    errors: dict[int, BaseException],
) -> None:
    try:
        with transaction.atomic():  # a savepoint: this mail fails alone
            outcome = mail_process_locked(inbound, batch=batch)
    except AnswersPendingTicket:
        # It answers a mail of this batch (a customer's quick second mail): that ticket must
        # be saved for this one to thread to it.
        _open_tickets(batch, result, errors)
        with transaction.atomic():
            outcome = mail_process_locked(inbound, batch=batch)
    # Added only now, the savepoint released: a mail rolled back opens no ticket.
    if outcome.opening is not None:
        batch.openings.append((inbound, outcome.opening))
    else:
        result.processed.append(inbound.pk)


def _open_tickets(
    batch: ProcessingBatch, result: BatchResult, errors: dict[int, BaseException]
) -> None:
    """Save the tickets the mails so far open, together; should that fail, each of those mails
    is processed again alone."""
    waiting = [inbound.pk for inbound, _opening in batch.openings]
    try:
        with transaction.atomic():
            result.processed.extend(batch.open_tickets())
    except TRANSIENT_DATABASE_ERRORS:
        raise
    except Exception as error:
        logger.warning("the tickets of inbound mails %s failed together", waiting, exc_info=True)
        errors.update(dict.fromkeys(waiting, error))
