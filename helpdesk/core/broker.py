"""The Redis transport for Celery, with one repair: a lost connection must not end the worker.

When Redis goes away while a worker holds unacknowledged tasks, kombu 5.7 closes the channel
and tries to put those tasks back through a connection it has already torn down; that raises
``AttributeError`` ('NoneType' object has no attribute 'hostname'), which is not a connection
error, so Celery reports "Unrecoverable error" and the worker exits (issue 9 saw it in 4 of 5
outages under load; ``tests/faults`` reproduces it). Nothing is lost by skipping that
step: the tasks stay in Redis' index of unacknowledged messages, and any live worker hands
them out again after the visibility timeout. ``helpdesk.celery`` registers this transport for
``redis://`` and ``rediss://`` URLs.
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


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
