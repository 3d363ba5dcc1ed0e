"""The Redis transport for Celery, with one repair: a lost connection must not end the worker.

When Redis goes away while a worker holds unacknowledged tasks, kombu 5.7 closes the channel
and tries to put those tasks back through a connection it has already torn down; that raises
``AttributeError`` ('NoneType' object has no attribute 'hostname'), which is not a connection
error, so Celery reports "Unrecoverable error" and the worker exits (issue 9 saw it in 4 of 5
outages under load; ``tests/faults`` reproduces it). Nothing is lost by skipping that
step: the tasks stay in Redis' index of unacknowledged messages, and any live worker hands
them out again after the visibility timeout. The same holds for a task that finishes after the
connection it came on was torn down: its acknowledgement is skipped. ``helpdesk.celery``
registers this transport for ``redis://`` and ``rediss://`` URLs.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        try:
            return super().restore_unacked(client)
        except AttributeError:
            logger.warning(
                "broker connection lost with %d unacknowledged task(s); they come back after "
                "the visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return None

    def ack(self, delivery_tag):
        try:
            return super().ack(delivery_tag)
        except AttributeError:
            # The same tear-down seen from the other side: a task that finished after its
            # connection was lost (a batch of mail holds its message longer, issue 13). The
            # message stays in the unacknowledged index and comes back after the visibility
            # timeout; the task is idempotent, so that run does nothing.
            logger.warning(
                "could not acknowledge a task, its broker connection is gone; it comes back "
                "after the visibility timeout"
            )
            self._quick_ack(delivery_tag)
            return None


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
