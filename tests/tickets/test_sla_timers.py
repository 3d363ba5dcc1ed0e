"""The SLA timer rules, through the ticket services, on the real business clock.

Every expectation below was worked out by hand on the calendar (desk windows 10:00–12:00 and
13:00–17:00 JST; one business day is 360 business minutes).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from helpdesk.celery import app as celery_app
from helpdesk.tickets.deadlines import tickets_sla_recompute
from helpdesk.tickets.escalations import tickets_sla_sweep
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import (
    ticket_change_priority,
    ticket_change_status,
    ticket_customer_reply,
    ticket_staff_reply,
)
from sla.calendars import business_clock
from sla.services import closure_day_remove, closure_day_save
from sla.timers import first_response_on_time
from tests.factories import StaffFactory, TicketFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


def jst(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=JST)


def open_at(moment: datetime.datetime, *, priority: str = "normal") -> Ticket:
    with time_machine.travel(moment, tick=False):
        return TicketFactory(requester_email="Yamada@Example.JP", priority=priority)


@pytest.fixture
def staff():
    return StaffFactory()


def test_opening_sets_first_response_and_resolution_deadlines_from_receipt():
    ticket = open_at(jst(2026, 11, 25, 9, 0))  # Wednesday, before opening

    assert ticket.reference == "NP-000001"
    assert ticket.requester.email == "yamada@example.jp"
    # Work starts at 10:00; 360 business minutes is the whole day.
    assert ticket.first_response_due == jst(2026, 11, 25, 17, 0)
    # 1800 minutes = five business days: 25, 26, 27, 30 Nov and 1 Dec.
    assert ticket.resolution_due == jst(2026, 12, 1, 17, 0)
    assert ticket.next_response_due is None
    assert ticket.sla_state == "ok"
    # The first warning: 75 % of 360 minutes = 270 minutes after 10:00 -> 15:30.
    assert ticket.next_escalation_at == jst(2026, 11, 25, 15, 30)


def test_an_inquiry_on_the_year_end_waits_for_the_first_business_day():
    ticket = open_at(jst(2026, 12, 30, 16, 30), priority="urgent")
    # 30 minutes on Dec 30, closed Dec 31 – Jan 3, then 30 minutes on Monday Jan 4.
    assert ticket.first_response_due == jst(2027, 1, 4, 10, 30)


def test_first_public_reply_records_first_response_and_notes_do_not(staff):
    ticket = open_at(jst(2026, 11, 25, 10, 0))
    with time_machine.travel(jst(2026, 11, 25, 10, 20), tick=False):
        ticket_staff_reply(ticket=ticket, author=staff, body_text="確認します", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None

    with time_machine.travel(jst(2026, 11, 25, 11, 0), tick=False):
        ticket_staff_reply(ticket=ticket, author=staff, body_text="ご連絡ありがとうございます。")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == jst(2026, 11, 25, 11, 0)
    assert ticket.status == "open"
    assert first_response_on_time(ticket, clock=business_clock()) is True


def test_a_reply_over_lunch_to_a_noon_deadline_is_on_time(staff):
    ticket = open_at(jst(2026, 11, 25, 11, 0), priority="urgent")
    assert ticket.first_response_due == jst(2026, 11, 25, 12, 0)

    with time_machine.travel(jst(2026, 11, 25, 11, 50), tick=False):
        assert tickets_sla_sweep() == 1  # the 11:45 warning fired
        ticket.refresh_from_db()
        assert ticket.sla_state == "warning"
        # Late only one business second after the target: 13:00:01, not 12:00:01.
        assert ticket.next_escalation_at == jst(2026, 11, 25, 13, 0, 1)
    with time_machine.travel(jst(2026, 11, 25, 12, 30), tick=False):
        assert tickets_sla_sweep() == 0  # lunch: the desk is closed, nothing fires
        ticket_staff_reply(ticket=ticket, author=staff, body_text="回答します")
    ticket.refresh_from_db()
    assert first_response_on_time(ticket, clock=business_clock()) is True
    assert ticket.sla_state == "ok"


def test_sweep_moves_a_ticket_to_warning_then_breach_at_the_right_second():
    ticket = open_at(jst(2026, 11, 25, 10, 0), priority="urgent")
    assert ticket.next_escalation_at == jst(2026, 11, 25, 10, 45)

    with time_machine.travel(jst(2026, 11, 25, 10, 44, 59), tick=False):
        assert tickets_sla_sweep() == 0
    with time_machine.travel(jst(2026, 11, 25, 10, 45), tick=False):
        assert tickets_sla_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.sla_state == "warning"
    assert ticket.next_escalation_at == jst(2026, 11, 25, 11, 0, 1)

    with time_machine.travel(jst(2026, 11, 25, 11, 0), tick=False):
        assert tickets_sla_sweep() == 0  # exactly at the deadline is still on time
    with time_machine.travel(jst(2026, 11, 25, 11, 0, 1), tick=False):
        assert tickets_sla_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"
    # Next: overdue, one second past 150 % of the first response's 60 minutes.
    assert ticket.next_escalation_at == jst(2026, 11, 25, 11, 30, 1)


def test_a_customer_message_after_the_first_response_sets_the_next_response_deadline(staff):
    ticket = open_at(jst(2026, 11, 25, 10, 0), priority="high")
    with time_machine.travel(jst(2026, 11, 25, 10, 30), tick=False):
        ticket_staff_reply(ticket=ticket, author=staff, body_text="手順をご案内します")
    with time_machine.travel(jst(2026, 11, 25, 16, 0), tick=False):
        ticket_customer_reply(ticket=ticket, body_text="まだ解決しません")
    ticket.refresh_from_db()
    # 120 business minutes from 16:00: one hour today, one hour from 10:00 tomorrow.
    assert ticket.next_response_due == jst(2026, 11, 26, 11, 0)

    with time_machine.travel(jst(2026, 11, 26, 10, 15), tick=False):
        ticket_staff_reply(ticket=ticket, author=staff, body_text="再度ご案内します")
    ticket.refresh_from_db()
    assert ticket.next_response_due is None


def test_pending_customer_pauses_over_the_weekend_and_the_customer_resumes_it(staff):
    ticket = open_at(jst(2026, 11, 27, 10, 0), priority="urgent")  # Friday
    assert ticket.resolution_due == jst(2026, 11, 27, 17, 0)
    with time_machine.travel(jst(2026, 11, 27, 11, 0), tick=False):
        ticket_staff_reply(
            ticket=ticket,
            author=staff,
            body_text="ログを送ってください",
            status="pending_customer",
        )
    ticket.refresh_from_db()
    assert ticket.status == "pending_customer"
    assert ticket.sla_paused_since == jst(2026, 11, 27, 11, 0)
    assert ticket.next_escalation_at is None  # nothing can breach while we wait

    # Monday 11:00: Friday 11–12 and 13–17 plus Monday 10–11 were paused (360 minutes).
    with time_machine.travel(jst(2026, 11, 30, 11, 0), tick=False):
        ticket_customer_reply(ticket=ticket, body_text="ログを添付します")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.sla_paused_since is None
    assert ticket.paused_business_seconds == 360 * 60
    assert ticket.business_seconds_consumed == 60 * 60
    assert ticket.resolution_due == jst(2026, 11, 30, 17, 0)
    assert ticket.next_response_due == jst(2026, 11, 30, 12, 0)


def test_resolving_stops_the_clock_and_reopening_resumes_it(staff):
    ticket = open_at(jst(2026, 11, 25, 10, 0))
    with time_machine.travel(jst(2026, 11, 25, 11, 0), tick=False):
        ticket_staff_reply(ticket=ticket, author=staff, body_text="解決しました", status="resolved")
    ticket.refresh_from_db()
    assert ticket.resolved_at == jst(2026, 11, 25, 11, 0)
    assert ticket.next_escalation_at is None
    assert ticket.business_seconds_consumed == 3600
    resolution_due = ticket.resolution_due

    with time_machine.travel(jst(2026, 12, 10, 11, 0), tick=False):
        assert tickets_sla_sweep() == 0
        ticket.refresh_from_db()
        assert ticket.sla_state == "ok"
        assert ticket.resolution_due == resolution_due
        assert ticket.business_seconds_consumed == 3600


def test_a_priority_change_keeps_the_business_time_already_consumed():
    ticket = open_at(jst(2026, 11, 25, 10, 0))  # normal: first response 360 minutes
    with time_machine.travel(jst(2026, 11, 25, 10, 30), tick=False):
        ticket = ticket_change_priority(ticket=ticket, priority="urgent")
    # Counted from receipt, not from the change: 60 minutes after 10:00.
    assert ticket.first_response_due == jst(2026, 11, 25, 11, 0)
    assert ticket.resolution_due == jst(2026, 11, 25, 17, 0)
    assert ticket.sla_state == "ok"

    with time_machine.travel(jst(2026, 11, 25, 11, 30), tick=False):
        ticket = ticket_change_priority(ticket=ticket, priority="urgent")
        assert ticket.sla_state == "breached"
        ticket = ticket_change_priority(ticket=ticket, priority="low")
    # Low: 720 minutes = two business days from 10:00 Wednesday.
    assert ticket.first_response_due == jst(2026, 11, 26, 17, 0)
    assert ticket.sla_state == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_closure_added_while_a_ticket_is_open_moves_its_deadlines():
    ticket = open_at(jst(2026, 11, 25, 10, 0))
    assert ticket.resolution_due == jst(2026, 12, 1, 17, 0)

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # run the recompute task in-process
    try:
        with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
            closure_day_save(date=datetime.date(2026, 11, 27), reason="社内研修")
            # transaction.on_commit runs at once here: the test is not in a transaction.
    finally:
        celery_app.conf.task_always_eager = previous
    ticket.refresh_from_db()
    assert ticket.resolution_due == jst(2026, 12, 2, 17, 0)

    with time_machine.travel(jst(2026, 11, 25, 12, 5), tick=False):
        closure_day_remove(date=datetime.date(2026, 11, 27))
        tickets_sla_recompute()
    ticket.refresh_from_db()
    assert ticket.resolution_due == jst(2026, 12, 1, 17, 0)


@pytest.mark.django_db(transaction=True)
def test_recompute_works_in_batches_and_skips_resolved_tickets(staff):
    tickets = [open_at(jst(2026, 11, 25, 10, minute)) for minute in range(5)]
    ticket_change_status(ticket=tickets[0], status="resolved")
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        closure_day_save(date=datetime.date(2026, 11, 26), reason="臨時休業")
        progress = tickets_sla_recompute(batch_size=2)
    assert progress.refreshed == 4
    assert progress.done
    for minute, ticket in enumerate(tickets[1:], start=1):
        ticket.refresh_from_db()
        # Opened at 10:0m: five business days end at 10:0m; the closure adds one more day.
        assert ticket.resolution_due == jst(2026, 12, 3, 10, minute)
    tickets[0].refresh_from_db()
    assert tickets[0].resolution_due == jst(2026, 12, 1, 17, 0)


@pytest.mark.django_db(transaction=True)
def test_recompute_task_works_in_slices_that_fit_the_task_time_limit(staff, monkeypatch):
    """Regression: one task recomputed every open ticket, so at 200,000 it ran past Celery's
    time limit, was killed, retried from the first ticket, and never finished."""
    from helpdesk.tickets import tasks

    tickets = [open_at(jst(2026, 11, 25, 10, minute)) for minute in range(5)]
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        closure_day_save(date=datetime.date(2026, 11, 26), reason="臨時休業")
        enqueued: list[tuple[int, int | None]] = []
        monkeypatch.setattr(tasks, "RECOMPUTE_SLICE_SECONDS", 0)  # each batch spends a slice
        monkeypatch.setattr(
            tasks.tickets_sla_recompute_task, "delay", lambda *range_: enqueued.append(range_)
        )
        # Batches of 500: the five tickets are one slice; the next slice starts after them.
        tasks.tickets_sla_recompute_task(after_pk=0)
        assert enqueued == [(tickets[-1].pk, None)]
        tasks.tickets_sla_recompute_task(after_pk=tickets[-1].pk)
        assert len(enqueued) == 1  # nothing left: no further slice
    for minute, ticket in enumerate(tickets):
        ticket.refresh_from_db()
        # One business day later than without the closure (as in the test above).
        expected = jst(2026, 12, 3, 10, minute) if minute else jst(2026, 12, 2, 17, 0)
        assert ticket.resolution_due == expected
