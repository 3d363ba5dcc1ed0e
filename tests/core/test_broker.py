"""The Redis transport keeps the worker alive when the broker goes away (core/broker.py)."""

from __future__ import annotations

import logging

import pytest
from kombu import Connection
from kombu.transport import redis as kombu_redis

import helpdesk.celery  # noqa: F401 - registers the transport for redis:// URLs
from helpdesk.core import broker


def close_after_the_transport_was_torn_down(url: str, transport) -> None:
    """The path of the worker's "Unrecoverable error": the consumer closes its channel, which
    tries to put its unacknowledged tasks back, after kombu dropped the transport's client."""
    connection = Connection(url, transport=transport)
    channel = connection.channel()
    channel.qos._delivered["unacknowledged-task"] = object()
    connection.transport.client = None
    try:
        channel.close()
    finally:
        connection.transport.client = connection
        connection.release()


@pytest.mark.services
def test_stock_kombu_raises_attribute_error_there(test_redis_url):
    # If this starts failing, kombu fixed it and core/broker.py may go.
    with pytest.raises(AttributeError, match="hostname"):
        close_after_the_transport_was_torn_down(test_redis_url, kombu_redis.Transport)


@pytest.mark.services
def test_our_transport_logs_and_leaves_the_tasks_to_the_visibility_timeout(test_redis_url, caplog):
    with caplog.at_level(logging.WARNING, logger="helpdesk.core.broker"):
        close_after_the_transport_was_torn_down(test_redis_url, broker.Transport)
    assert "1 unacknowledged task(s)" in caplog.text


def test_redis_urls_use_our_transport():
    assert isinstance(Connection("redis://127.0.0.1:1/0").transport, broker.Transport)
    assert not isinstance(Connection("memory://").transport, broker.Transport)
