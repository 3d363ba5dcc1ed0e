"""Acknowledgements sent together: the intake's batch sends those of the tickets it opened,
after its commit, over one mail connection and in two commits, instead of one task, one
connection and two commits each.

An acknowledgement that cannot be sent here goes to ``ticket_acknowledge_task``, which retries
it as it would have from the start; the ticket's ``acknowledgement_pending`` and the outbox
sweep cover a worker that stops in between.
"""

from __future__ import annotations

import logging

from django.core.mail import get_connection

from .notifications import tickets_acknowledge
from .outbound import SEND_ERRORS
from .tasks import ticket_acknowledge_task

logger = logging.getLogger(__name__)


class AcknowledgementBatch:
    def __init__(self) -> None:
        self._pending: list[tuple[int, str | None]] = []

    def add(self, *, ticket_id: int, language: str | None) -> None:
        """Called on commit of the ticket (``ticket_open``): a rolled-back ticket never is."""
        self._pending.append((ticket_id, language))

    def send(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        connection = get_connection()
        try:
            connection.open()
        except SEND_ERRORS:
            logger.warning("mail server unreachable; acknowledgements go to their tasks")
            for ticket_id, language in pending:
                ticket_acknowledge_task.delay(ticket_id, language)
            return
        try:
            failed = tickets_acknowledge(requests=pending, connection=connection)
        except Exception:
            # The database, most likely: every one of them goes to its task, which is
            # idempotent (one already sent is not sent again).
            logger.warning("acknowledgements of a batch failed; their tasks retry", exc_info=True)
            failed = pending
        finally:
            connection.close()
        for ticket_id, language in failed:
            ticket_acknowledge_task.delay(ticket_id, language)
