"""Monitoring (SLA 5(e)) as the operator's monitoring system sees it: /readyz with the
worker's and beat's heartbeats and the inbound lag, /metrics parsed by the Prometheus client's
own parser, JSON logs, and the optional outage recorder."""

from __future__ import annotations

import datetime
import json
import logging
import sys

import pytest
import time_machine
from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from helpdesk.celery import app as celery_app
from helpdesk.core import selectors
from helpdesk.core.logformat import JsonFormatter
from helpdesk.core.monitoring import CheckFailed
from helpdesk.core.services import heartbeat_record
from helpdesk.core.tasks import heartbeat_task
from helpdesk.mail.models import InboundMail
from helpdesk.mail.storage import mail_store
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open
from sla.models import Outage
from sla.tasks import outage_recorder_task
from tests.conftest import celery_broker

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def brokers_answer(monkeypatch):
    monkeypatch.setattr(selectors, "_broker_probe", lambda: "redis")


def store_mail(raw: bytes) -> None:
    mail_store(raw=raw, source="smtp", enqueue=False)  # stored, waiting for a worker


def readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]


def test_readyz_fails_naming_the_worker_when_its_heartbeat_is_over_two_minutes_old(
    client, brokers_answer
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        heartbeat_record(source="worker")
        heartbeat_record(source="beat")
    with time_machine.travel(start + datetime.timedelta(seconds=119), tick=False):
        status, checks = readyz(client)
        assert status == 200, checks
        assert checks["worker"]["detail"] == "119 s ago"
    with time_machine.travel(start + datetime.timedelta(seconds=150), tick=False):
        heartbeat_record(source="beat")  # beat alive, worker silent
        status, checks = readyz(client)
    assert status == 503
    assert checks["worker"]["ok"] is False
    assert "150 s ago" in checks["worker"]["detail"]
    assert checks["beat"]["ok"] is True


def test_publishing_the_workers_heartbeat_is_beats_heartbeat(brokers_answer):
    with celery_broker("memory://"):
        heartbeat_task.delay("worker")  # what beat does every minute
    assert selectors.heartbeat_probe("beat").endswith("s ago")
    with pytest.raises(CheckFailed, match="no heartbeat from worker"):
        selectors.heartbeat_probe("worker")  # nobody has run it yet


def test_readyz_reports_the_oldest_unprocessed_mail_and_fails_when_it_waits_too_long(
    client, brokers_answer, settings
):
    heartbeat_record(source="worker")
    heartbeat_record(source="beat")
    store_mail(b"Subject: x\r\n\r\nbody")
    status, checks = readyz(client)
    assert status == 200
    assert checks["inbound_mail"]["detail"].startswith("oldest unprocessed mail waited")
    InboundMail.objects.update(received_at=timezone.now() - datetime.timedelta(minutes=20))
    status, checks = readyz(client)
    assert status == 503
    assert checks["inbound_mail"]["ok"] is False


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    families = {}
    for family in text_string_to_metric_families(response.content.decode()):
        families[family.name] = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for sample in family.samples
        }
    return families


def test_metrics_are_denied_to_anonymous_callers_and_customers(client, settings):
    settings.METRICS_TOKEN = TOKEN
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert b"helpdesk_" not in anonymous.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    customer = get_user_model().objects.create_user("customer", password="pw")
    client.force_login(customer)
    assert client.get("/metrics").status_code == 403


def test_metrics_with_the_token_report_requests_tickets_intake_and_failures(
    client, settings, test_redis_url
):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_CACHE_SECONDS = 0
    ticket_open(
        channel="web",
        requester_email="a@example.jp",
        subject="件名",
        body_text="本文",
        acknowledge=False,
    )
    Ticket.objects.update(sla_state=Ticket.SlaState.BREACHED)
    store_mail(b"Subject: y\r\n\r\nbody")
    InboundMail.objects.update(received_at=timezone.now() - datetime.timedelta(seconds=90))
    client.get("/healthz")
    client.get("/healthz")
    failing_task.apply()

    with celery_broker(test_redis_url):
        metrics = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    requests = metrics["helpdesk_http_requests"]
    key = (
        "helpdesk_http_requests_total",
        (("method", "GET"), ("status", "200"), ("view", "healthz")),
    )
    assert requests[key] >= 2
    tickets = metrics["helpdesk_tickets"]
    assert tickets[("helpdesk_tickets", (("sla_state", "breached"), ("status", "new")))] == 1
    assert metrics["helpdesk_sla_breaches_open"][("helpdesk_sla_breaches_open", ())] == 1
    assert (
        metrics["helpdesk_inbound_mail"][("helpdesk_inbound_mail", (("status", "received"),))] == 1
    )
    assert metrics["helpdesk_inbound_lag_seconds"][("helpdesk_inbound_lag_seconds", ())] >= 89
    outbound = metrics["helpdesk_outbound_mail"]
    assert outbound[("helpdesk_outbound_mail", (("status", "failed"),))] == 0
    failures = metrics["helpdesk_celery_task_failures"]
    assert failures[("helpdesk_celery_task_failures_total", (("task", failing_task.name),))] == 1
    queue = metrics["helpdesk_celery_queue_length"]
    assert queue[("helpdesk_celery_queue_length", (("queue", "celery"),))] >= 0


def test_staff_may_read_the_metrics_in_a_browser(client):
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    client.force_login(staff)
    assert "helpdesk_tickets" in scrape(client)


@shared_task(name="tests.failing_task")
def failing_task() -> None:
    raise RuntimeError("this task always fails")


def test_production_logs_are_json_lines_with_extra_fields_and_tracebacks():
    formatter = JsonFormatter()
    try:
        raise ValueError("壊れた")
    except ValueError:
        record = logging.getLogger("helpdesk.test").makeRecord(
            "helpdesk.test",
            logging.ERROR,
            __file__,
            1,
            "mail %s failed",
            ("NP-000001",),
            sys.exc_info(),
            extra={"ticket": "NP-000001"},
        )
    entry = json.loads(formatter.format(record))
    assert entry["message"] == "mail NP-000001 failed"
    assert entry["level"] == "ERROR"
    assert entry["ticket"] == "NP-000001"
    assert "ValueError: 壊れた" in entry["exception"]
    # The same time format as the line logs of every other process: ISO 8601 with the offset.
    assert datetime.datetime.fromisoformat(entry["time"]).utcoffset() is not None


def test_the_outage_recorder_opens_an_outage_after_two_failures_and_closes_it(
    settings, live_server
):
    settings.OUTAGE_RECORDER_URL = "http://127.0.0.1:1/readyz"  # nothing listens there
    first = timezone.now().replace(microsecond=0)
    with time_machine.travel(first, tick=False):
        outage_recorder_task.apply()
    assert not Outage.objects.exists()  # one failure may be a blip
    with time_machine.travel(first + datetime.timedelta(minutes=1), tick=False):
        outage_recorder_task.apply()
    outage = Outage.objects.get()
    assert outage.recorded_by_monitor and outage.ended_at is None
    assert outage.started_at == first
    assert outage.cause == Outage.Cause.UNKNOWN
    settings.OUTAGE_RECORDER_URL = f"{live_server.url}/healthz"
    with time_machine.travel(first + datetime.timedelta(minutes=5), tick=False):
        outage_recorder_task.apply()
    outage.refresh_from_db()
    assert outage.ended_at == first + datetime.timedelta(minutes=5)


def test_the_outage_recorder_is_off_by_default(settings):
    assert settings.OUTAGE_RECORDER_URL == ""
    outage_recorder_task.apply()
    assert not Outage.objects.exists()
    assert celery_app.conf.beat_schedule["outage-recorder"]["task"] == outage_recorder_task.name
