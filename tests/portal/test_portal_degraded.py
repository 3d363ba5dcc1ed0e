"""The inquiry form when the cache (Redis) or the task broker is down: the customer's inquiry
is stored and confirmed all the same; what could not be done waits for the sweeps."""

from __future__ import annotations

import logging
import re
import time

import pytest
from django.test import override_settings

from helpdesk.tickets.models import Ticket
from tests.conftest import celery_broker

pytestmark = pytest.mark.django_db

# Nothing listens on port 1 of loopback: every connection is refused at once.
UNREACHABLE_REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_with_cache_and_broker_down_the_inquiry_is_stored_and_confirmed(
    client, inquiry_data, caplog, django_capture_on_commit_callbacks
):
    # Regression: the rate-limit check raised before anything was written; the customer saw
    # a 500 page and the inquiry was lost.
    started = time.monotonic()
    with (
        override_settings(CACHES=UNREACHABLE_REDIS_CACHE),
        celery_broker("redis://127.0.0.1:1/0"),
        caplog.at_level(logging.WARNING),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/inquiry/", inquiry_data)
        assert response.status_code == 302
        thanks = client.get(response["Location"])
    assert time.monotonic() - started < 20

    ticket = Ticket.objects.get()
    assert ticket.subject == inquiry_data["subject"]
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", thanks.content.decode()))
    assert f"受付番号 {ticket.reference}" in page
    # The operator can see why nothing was rate limited.
    assert any(
        "rate limit inquiry-ip not checked, the cache is unavailable" in record.getMessage()
        for record in caplog.records
    )


def test_with_the_cache_down_every_submission_is_let_through_not_refused(
    client, inquiry_data, settings, enqueued_acknowledgements
):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 1
    with override_settings(CACHES=UNREACHABLE_REDIS_CACHE):
        statuses = [client.post("/inquiry/", inquiry_data).status_code for _ in range(3)]
    assert statuses == [302, 302, 302]
    assert Ticket.objects.count() == 3
