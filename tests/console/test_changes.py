"""The write side behind the console and the API: changes recorded as events, the collision
guard, answers that stop the first-response timer, bulk changes all-or-nothing, canned text."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from helpdesk.tickets.canned import canned_response_render, canned_response_save
from helpdesk.tickets.changes import (
    UNSET,
    CollisionError,
    ticket_change,
    ticket_reply,
    tickets_bulk_change,
)
from helpdesk.tickets.conversation import ticket_conversation
from helpdesk.tickets.models import Message, Ticket, TicketEvent
from helpdesk.tickets.services import ticket_open

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def test_each_real_change_is_one_event_with_before_and_after(ticket, agent):
    ticket_change(
        ticket=ticket, actor=agent, status="open", priority="high", assignee=agent, queue="請求"
    )
    events = {event.kind: event for event in TicketEvent.objects.filter(ticket=ticket)}
    assert set(events) == {"status", "priority", "assignee", "queue"}
    assert (events["status"].old_value, events["status"].new_value) == ("new", "open")
    assert events["assignee"].new_value == "佐藤 花子"  # family name first, as colleagues say it
    assert events["queue"].actor == agent
    # Saying the same again changes nothing and records nothing.
    ticket_change(ticket=ticket, actor=agent, status="open", priority="high", queue="請求")
    assert TicketEvent.objects.filter(ticket=ticket).count() == 4


def test_unset_leaves_the_assignee_and_none_unassigns(ticket, agent):
    ticket_change(ticket=ticket, actor=agent, assignee=agent)
    ticket_change(ticket=ticket, actor=agent, assignee=UNSET, priority="low")
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    ticket_change(ticket=ticket, actor=agent, assignee=None)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_higher_priority_brings_the_deadline_forward(ticket, agent):
    before = ticket.first_response_due
    updated = ticket_change(ticket=ticket, actor=agent, priority="urgent")
    assert updated.first_response_due < before


def test_pending_customer_pauses_the_clock_and_is_recorded(ticket, agent):
    updated = ticket_change(ticket=ticket, actor=agent, status="pending_customer")
    assert updated.sla_paused_since is not None
    assert TicketEvent.objects.get(ticket=ticket).new_value == "pending_customer"


def test_unknown_values_are_refused(ticket, agent):
    with pytest.raises(ValueError):
        ticket_change(ticket=ticket, actor=agent, status="deleted")
    with pytest.raises(ValueError):
        ticket_change(ticket=ticket, actor=agent, priority="whenever")


@time_machine.travel(datetime.datetime(2026, 12, 2, 10, 30, tzinfo=TOKYO), tick=False)
def test_an_answer_stops_the_first_response_timer_and_queues_mail(agent):
    ticket = ticket_open(
        channel="mail",
        requester_email="hanako@example.jp",
        subject="障害の報告",
        body_text="画面が表示されません。",
        acknowledge=False,
    )
    assert ticket.first_responded_at is None
    message = ticket_reply(ticket=ticket, author=agent, body_text="確認いたします。")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == datetime.datetime(2026, 12, 2, 10, 30, tzinfo=TOKYO)
    assert ticket.status == "open"
    assert message.kind == Message.Kind.OUTBOUND
    assert message.delivery_status == Message.DeliveryStatus.QUEUED


def test_an_internal_note_stops_no_timer(ticket, agent):
    note = ticket_reply(ticket=ticket, author=agent, body_text="経理に確認中", internal=True)
    ticket.refresh_from_db()
    assert note.kind == Message.Kind.NOTE
    assert ticket.first_responded_at is None
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_an_empty_answer_is_refused(ticket, agent):
    with pytest.raises(ValueError):
        ticket_reply(ticket=ticket, author=agent, body_text="   ")


def test_collision_guard_refuses_when_another_agent_answered(ticket, agent, other_agent):
    seen = ticket_conversation(ticket=ticket).seen
    ticket_reply(ticket=ticket, author=other_agent, body_text="先に回答しました。")
    with pytest.raises(CollisionError) as caught:
        ticket_reply(ticket=ticket, author=agent, body_text="二重の回答", seen=seen)
    changes = caught.value.changes
    assert [c.body_text for c in changes if isinstance(c, Message)] == ["先に回答しました。"]
    # Their answer also opened the ticket: that is listed too.
    assert [c.new_value for c in changes if isinstance(c, TicketEvent)] == ["open"]
    # Nothing of the refused answer was written.
    assert not Message.objects.filter(body_text="二重の回答").exists()


def test_collision_guard_reports_a_change_made_meanwhile(ticket, agent, other_agent):
    seen = ticket_conversation(ticket=ticket).seen
    ticket_change(ticket=ticket, actor=other_agent, assignee=other_agent)
    with pytest.raises(CollisionError) as caught:
        ticket_change(ticket=ticket, actor=agent, status="resolved", seen=seen)
    assert [change.kind for change in caught.value.changes] == ["assignee"]
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_collision_guard_lets_through_what_the_same_person_did(ticket, agent):
    seen = ticket_conversation(ticket=ticket).seen
    ticket_change(ticket=ticket, actor=agent, priority="high")
    ticket_reply(ticket=ticket, author=agent, body_text="対応します。", seen=seen)


def test_collision_guard_sees_a_new_customer_message(ticket, agent):
    from helpdesk.tickets.services import ticket_customer_reply

    seen = ticket_conversation(ticket=ticket).seen
    ticket_customer_reply(ticket=ticket, body_text="追加の情報です。")
    with pytest.raises(CollisionError):
        ticket_reply(ticket=ticket, author=agent, body_text="回答", seen=seen)
    # After reading (a fresh Seen) the answer goes through.
    ticket_reply(
        ticket=ticket, author=agent, body_text="回答", seen=ticket_conversation(ticket=ticket).seen
    )


def test_a_reply_with_a_status_records_the_change(ticket, agent):
    ticket_reply(
        ticket=ticket, author=agent, body_text="ご確認ください。", status="pending_customer"
    )
    ticket.refresh_from_db()
    assert ticket.status == "pending_customer"
    assert TicketEvent.objects.get(ticket=ticket).new_value == "pending_customer"


def test_bulk_change_records_every_ticket(ticket, agent, other_agent):
    second = ticket_open(
        channel="web", requester_email="b@example.jp", subject="二件目", body_text="本文"
    )
    count = tickets_bulk_change(
        ticket_pks=[ticket.pk, second.pk], actor=agent, assignee=other_agent, priority="high"
    )
    assert count == 2
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {other_agent.pk}
    assert TicketEvent.objects.filter(kind="assignee").count() == 2
    assert TicketEvent.objects.filter(kind="priority").count() == 2


def test_bulk_change_is_all_or_nothing(ticket, agent):
    second = ticket_open(
        channel="web", requester_email="b@example.jp", subject="二件目", body_text="本文"
    )
    with pytest.raises(ValueError):
        tickets_bulk_change(ticket_pks=[ticket.pk, second.pk], actor=agent, status="bogus")
    assert not TicketEvent.objects.exists()


@time_machine.travel(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TOKYO), tick=False)
def test_canned_response_placeholders_are_filled_for_the_ticket(supervisor):
    ticket = ticket_open(
        channel="mail",
        requester_email="taro@example.jp",
        requester_name="山田 太郎",
        subject="請求について",
        body_text="本文",
        acknowledge=False,
    )
    canned = canned_response_save(
        title="受付のご連絡",
        body=(
            "{customer_name} 様\n受付番号 {reference}。{reply_deadline}までに回答します。{unknown}"
        ),
        updated_by=supervisor,
    )
    text = canned_response_render(canned_response=canned, ticket=ticket)
    assert text.startswith("山田 太郎 様\n受付番号 NP-")
    # Normal priority: 360 business minutes from 10:00 on Wednesday is Wednesday 17:00.
    assert "2026年12月2日(水) 17:00までに" in text
    assert text.endswith("{unknown}")  # an unknown placeholder stays as typed, no error


def test_the_sweep_records_each_escalation_as_an_event():
    from helpdesk.tickets.escalations import tickets_sla_sweep

    def at(hour, minute, second=0):
        return datetime.datetime(2026, 11, 25, hour, minute, second, tzinfo=TOKYO)

    with time_machine.travel(at(10, 0), tick=False):
        ticket = ticket_open(
            channel="mail",
            requester_email="x@example.jp",
            subject="至急",
            body_text="本文",
            priority="urgent",
            acknowledge=False,
        )
    for moment in (at(10, 45), at(10, 50), at(11, 0, 1)):
        with time_machine.travel(moment, tick=False):
            tickets_sla_sweep()
    escalations = TicketEvent.objects.filter(ticket=ticket, kind="escalation")
    # An escalation event names the timer and the level it reached (issue 10's levels).
    assert [(e.old_value, e.new_value, e.created_at) for e in escalations] == [
        ("first_response", "warning", at(10, 45)),
        ("first_response", "breach", at(11, 0, 1)),
    ]
    assert ticket_conversation(ticket=ticket).sla.escalations == list(escalations)


def test_sla_panel_says_overdue_then_missed_and_counts_business_time(agent):
    def at(hour, minute):
        return datetime.datetime(2026, 11, 25, hour, minute, tzinfo=TOKYO)

    with time_machine.travel(at(11, 30), tick=False):
        ticket = ticket_open(
            channel="mail",
            requester_email="x@example.jp",
            subject="至急",
            body_text="本文",
            priority="urgent",
            received_at=at(11, 0),
            acknowledge=False,
        )
    with time_machine.travel(at(13, 45), tick=False):
        first = ticket_conversation(ticket=ticket).sla.timers[0]
        # 11:00-12:00 and 13:00-13:45: lunch is not business time.
        assert (first.state, first.used_seconds, first.percent_used) == ("overdue", 6300, 175)
        ticket_reply(ticket=ticket, author=agent, body_text="遅くなりました。")
    ticket.refresh_from_db()
    first = ticket_conversation(ticket=ticket).sla.timers[0]
    assert (first.state, first.done_at) == ("missed", at(13, 45))
