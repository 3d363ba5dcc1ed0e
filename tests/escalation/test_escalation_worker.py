"""Escalation through a real Celery worker and beat on Redis, on a desk open around the clock
(so the test does not depend on the hour it runs at; the business-hours rules are tested
in-process in ``test_escalation_levels``). Tickets are opened with ``received_at`` in the past.
"""

from __future__ import annotations

import datetime
import re
import signal
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone

from helpdesk.tickets.changes import ticket_reply
from helpdesk.tickets.escalations import SWEEP_BATCH
from helpdesk.tickets.models import Escalation, StaffNotification, Ticket, TicketEvent
from helpdesk.tickets.services import ticket_open
from helpdesk.tickets.tasks import escalation_sweep_task
from sla.models import SlaPolicy
from sla.selectors import sla_policies_changed
from sla.services import closure_day_save
from tests.conftest import wait_for

from .conftest import make_user, start_beat, start_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BATCH = SWEEP_BATCH


def open_in_the_past(seconds_ago: int, *, assignee: User | None = None) -> Ticket:
    ticket = ticket_open(
        channel="mail",
        requester_email="yamada@example.jp",
        subject="ログインできません",
        body_text="パスワードを入れても入れません。",
        priority="urgent",
        received_at=timezone.now() - datetime.timedelta(seconds=seconds_ago),
        acknowledge=False,
    )
    if assignee is not None:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
    return ticket


def levels(ticket: Ticket) -> list[str]:
    return list(
        Escalation.objects.filter(ticket=ticket, timer="first_response")
        .order_by("fired_at", "id")
        .values_list("level", flat=True)
    )


def test_beat_and_worker_fire_warning_breach_overdue_once_in_order_and_a_reply_cancels(
    desk_open_all_day, broker, started, tmp_path
):
    # A one-minute first response: warning at 45 s, breach at 61 s, overdue at 91 s.
    # update_or_create: an earlier transactional test's flush may have removed the defaults.
    SlaPolicy.objects.update_or_create(
        priority="urgent",
        category="",
        defaults={
            "first_response_minutes": 1,
            "next_response_minutes": 1,
            "resolution_minutes": 600,
        },
    )
    sla_policies_changed()
    agent = make_user("agent1", "agent")
    make_user("super1", "supervisor")
    make_user("admin1", "admin")
    watched = open_in_the_past(40, assignee=agent)
    answered = open_in_the_past(40, assignee=agent)
    started.append(start_worker(broker, "test-celery-worker-esc.log"))
    started.append(start_beat(broker, tmp_path, "beat-esc"))
    wait_for(lambda: levels(answered) == ["warning"], timeout=40)
    ticket_reply(ticket=answered, author=agent, body_text="確認いたします。")
    wait_for(lambda: len(levels(watched)) == 3, timeout=90)

    assert levels(watched) == ["warning", "breach", "overdue"]
    fired_at = list(
        Escalation.objects.filter(ticket=watched).order_by("id").values_list("fired_at", flat=True)
    )
    assert fired_at == sorted(fired_at) and len(set(fired_at)) == 3  # three separate sweeps
    assert levels(answered) == ["warning"]  # the breach no longer applied: it never fired
    told = list(
        StaffNotification.objects.filter(ticket=watched)
        .order_by("id")
        .values_list("level", "recipient__username")
    )
    assert told == [("warning", "agent1"), ("breach", "super1"), ("overdue", "admin1")]
    assert TicketEvent.objects.filter(ticket=watched, kind="escalation").count() == 3


def test_a_worker_killed_mid_sweep_and_restarted_loses_and_duplicates_nothing(
    desk_open_all_day, broker, started, tmp_path
):
    make_user("super1", "supervisor")
    make_user("admin1", "admin")
    count = 2000
    # Two hours ago, urgent: the first response is past warning, breach and overdue.
    for _n in range(count):
        open_in_the_past(2 * 3600)
    assert Ticket.objects.filter(next_escalation_at__lte=timezone.now()).count() == count
    expected = 3 * count

    first = start_worker(broker, "test-celery-worker-kill.log")
    started.append(first)
    escalation_sweep_task.delay()
    wait_for(lambda: Escalation.objects.exists(), timeout=60, interval=0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    at_kill = Escalation.objects.count()
    assert 0 < at_kill < expected, f"the sweep was not interrupted ({at_kill} fired)"
    # Whole batches only: each batch's tickets x 3 levels committed or none of it.
    assert at_kill % (3 * BATCH) == 0

    started.append(start_worker(broker, "test-celery-worker-restarted.log"))
    started.append(start_beat(broker, tmp_path, "beat-restarted"))
    wait_for(lambda: Escalation.objects.count() >= expected, timeout=120)
    time.sleep(3)  # later sweeps add nothing

    assert Escalation.objects.count() == expected
    per_ticket = set(
        Escalation.objects.values("ticket").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert per_ticket == {3}
    assert TicketEvent.objects.filter(kind="escalation").count() == expected
    assert StaffNotification.objects.count() == expected
    assert not Ticket.objects.filter(next_escalation_at__lte=timezone.now()).exists()


def test_a_closure_change_moves_every_open_ticket_through_the_worker_in_ranges(
    desk_open_all_day, broker, started, monkeypatch
):
    monkeypatch.setenv("SLA_RECOMPUTE_PARTS", "3")  # the worker's setting: three range tasks
    # update_or_create: an earlier transactional test's flush may have removed the defaults.
    SlaPolicy.objects.update_or_create(
        priority="urgent",
        category="",
        defaults={
            "first_response_minutes": 60,
            "next_response_minutes": 60,
            "resolution_minutes": 3000,  # two days and more on a desk open all day
        },
    )
    sla_policies_changed()
    for _n in range(12):
        open_in_the_past(60)
    before = dict(Ticket.objects.values_list("pk", "resolution_due"))
    worker = start_worker(broker, "test-celery-worker-recompute.log")
    started.append(worker)

    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).date()
    closure_day_save(date=tomorrow, reason="臨時休業")  # queues the recompute after commit

    def moved() -> dict[int, datetime.timedelta]:
        now = dict(Ticket.objects.values_list("pk", "resolution_due"))
        return {pk: now[pk] - due for pk, due in before.items() if now[pk] != due}

    wait_for(lambda: len(moved()) == len(before), timeout=60)
    # On a desk open around the clock, every deadline past the closed day is a day later.
    assert set(moved().values()) == {datetime.timedelta(days=1)}
    log = Path(worker.log_path).read_text()
    # The task queued by the change, and the three ranges it shared the desk out in.
    assert log.count("tickets_sla_recompute_task[") >= 4
    assert len(re.findall(r"tickets_sla_recompute_task\[[^\]]+\] succeeded", log)) == 4
