"""Acknowledgements sent together: the intake's batch sends those of the tickets it opened,
after its commit, over one mail connection instead of one task and one connection each.

An acknowledgement that cannot be sent here goes to ``ticket_acknowledge_task``, which retries
it as it would have from the start; the ticket's ``acknowledgement_pending`` and the outbox
sweep cover a worker that stops in between.
"""

from __future__ import annotations

import logging

from django.core.mail import get_connection

from .notifications import ticket_acknowledge
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
            for ticket_id, language in pending:
                try:
                    ticket_acknowledge(
                        ticket_id=ticket_id, language=language, connection=connection
                    )
                except Exception:
                    logger.warning(
                        "acknowledgement of ticket %s failed; its task retries it",
                        ticket_id,
                        exc_info=True,
                    )
                    ticket_acknowledge_task.delay(ticket_id, language)
        finally:
            connection.close()
