"""Handing stored mail to the workers in batches, for the long-running gateway.

The gateway stores each mail and answers ``250`` one by one, as before; only the hand-over to
the workers is grouped: the ids of mails stored in the same few milliseconds go out as one
``mail_process_batch_task`` (``batch.py``). A batch leaves when it is full or when its first
mail has waited ``max_wait`` seconds, so a lone mail is not held back. Losing a hand-over
loses nothing: the mail is stored, and the sweep of mail stuck in ``received`` enqueues it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from celery import signature

from .batch import MAIL_BATCH_SIZE

logger = logging.getLogger(__name__)

# The services and the gateway name the task rather than import the task module, which
# imports them (tasks call services).
MAIL_PROCESS_BATCH_TASK = "helpdesk.mail.tasks.mail_process_batch_task"


def _send_batch(inbound_pks: list[int]) -> None:
    signature(MAIL_PROCESS_BATCH_TASK).delay(inbound_pks)


class ProcessingBatcher:
    """Collects the ids of stored mails and sends them on in batches, from its own thread."""

    def __init__(
        self,
        *,
        send: Callable[[list[int]], None] = _send_batch,
        max_size: int = MAIL_BATCH_SIZE,
        # A lone mail waits at most this for company: a tenth of the one-second goal from
        # 250 to ticket, and under load a batch fills long before.
        max_wait: float = 0.1,
    ) -> None:
        self.send = send
        self.max_size = max_size
        self.max_wait = max_wait
        self._pending: list[int] = []
        self._first_added_at = 0.0
        self._closed = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="enqueue-batches", daemon=True)
        self._thread.start()

    def add(self, inbound_pk: int) -> None:
        with self._condition:
            if not self._pending:
                self._first_added_at = time.monotonic()
            self._pending.append(inbound_pk)
            self._condition.notify()

    def close(self) -> None:
        """Send what is pending and stop the thread."""
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join(timeout=10)

    def _next_batch(self) -> list[int] | None:
        """Wait for a batch that is full or old enough; None once closed and drained."""
        with self._condition:
            while True:
                if self._pending:
                    waited = time.monotonic() - self._first_added_at
                    if len(self._pending) >= self.max_size or waited >= self.max_wait:
                        batch = self._pending[: self.max_size]
                        del self._pending[: self.max_size]
                        self._first_added_at = time.monotonic()
                        return batch
                    if self._closed:
                        batch, self._pending = self._pending, []
                        return batch
                    self._condition.wait(self.max_wait - waited)
                elif self._closed:
                    return None
                else:
                    self._condition.wait()

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self.send(batch)
            except Exception:
                logger.warning(
                    "could not enqueue inbound mails %s; the sweep will retry", batch, exc_info=True
                )
