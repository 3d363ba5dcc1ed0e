"""Escalation levels on the business clock, swept in-process at chosen instants.

Desk windows 10:00–12:00 and 13:00–17:00 JST. An urgent ticket's first response is due after
60 business minutes: warning at 75 % (45 min), breach one second past 100 %, overdue one
second past 150 % (90 min)."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from helpdesk.tickets.changes import ticket_change, ticket_reply
from helpdesk.tickets.escalations import SWEEP_BATCH, escalation_sweep
from helpdesk.tickets.models import (
    Escalation,
    QueueSupervisor,
    StaffNotification,
    StaffProfile,
    Ticket,
)
from helpdesk.tickets.staff_notifications import staff_digest_send
from sla.models import EscalationRule, SlaPolicy
from sla.selectors import sla_policies_changed
from tests.conftest import service_missing

from .conftest import jst, make_user, open_ticket

pytestmark = pytest.mark.django_db


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return escalation_sweep()


def fired(ticket: Ticket) -> list[tuple[str, str]]:
    return list(
        Escalation.objects.filter(ticket=ticket)
        .order_by("fired_at", "id")
        .values_list("timer", "level")
    )


def test_warning_breach_and_overdue_fire_once_each_in_order_to_the_right_people(
    agent, supervisor, desk_admin
):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)  # Wednesday

    assert sweep_at(jst(2026, 11, 25, 10, 44, 59)).fired == 0
    assert sweep_at(jst(2026, 11, 25, 10, 45)).fired == 1
    assert sweep_at(jst(2026, 11, 25, 10, 46)).fired == 0  # a second sweep adds nothing
    assert sweep_at(jst(2026, 11, 25, 11, 0)).fired == 0  # at the deadline: still on time
    assert sweep_at(jst(2026, 11, 25, 11, 0, 1)).fired == 1
    assert sweep_at(jst(2026, 11, 25, 11, 30, 1)).fired == 1
    assert sweep_at(jst(2026, 11, 25, 11, 31)).fired == 0

    assert fired(ticket) == [
        ("first_response", "warning"),
        ("first_response", "breach"),
        ("first_response", "overdue"),
    ]
    told = list(
        StaffNotification.objects.filter(ticket=ticket)
        .order_by("created_at")
        .values_list("level", "recipient__username")
    )
    assert told == [("warning", "agent1"), ("breach", "super1"), ("overdue", "admin1")]
    events = list(ticket.events.filter(kind="escalation").values_list("detail", flat=True))
    assert events == [
        "一次回答: 期限間近（目標の75%）",
        "一次回答: 期限超過（目標の100%）",
        "一次回答: 大幅超過（目標の150%）",
    ]


@pytest.mark.parametrize(
    ("received", "quiet", "first_warning"),
    [
        # Friday 16:30: 30 minutes left today, the warning falls Monday 10:15.
        (
            jst(2026, 11, 27, 16, 30),
            [jst(2026, 11, 27, 17, 0), jst(2026, 11, 27, 22, 0), jst(2026, 11, 28, 11, 0)],
            jst(2026, 11, 30, 10, 15),
        ),
        # Friday 20 Nov 16:30: Monday 23 Nov is Labour Thanksgiving Day (勤労感謝の日).
        (
            jst(2026, 11, 20, 16, 30),
            [jst(2026, 11, 23, 10, 15), jst(2026, 11, 23, 15, 0)],
            jst(2026, 11, 24, 10, 15),
        ),
        # Year-end: 30 Dec 16:30, closed 31 Dec – 3 Jan, the warning falls Monday 4 Jan 10:15.
        (
            jst(2026, 12, 30, 16, 30),
            [jst(2026, 12, 31, 11, 0), jst(2027, 1, 1, 10, 15), jst(2027, 1, 3, 14, 0)],
            jst(2027, 1, 4, 10, 15),
        ),
        # Overnight: 16:30 Wednesday, nothing at night, the warning falls 10:15 Thursday.
        (
            jst(2026, 11, 25, 16, 30),
            [jst(2026, 11, 25, 17, 0), jst(2026, 11, 26, 3, 0), jst(2026, 11, 26, 9, 59)],
            jst(2026, 11, 26, 10, 15),
        ),
    ],
    ids=["weekend", "holiday", "year-end", "night"],
)
def test_nothing_fires_while_the_desk_is_closed(agent, received, quiet, first_warning):
    ticket = open_ticket(received, assignee=agent)
    assert ticket.next_escalation_at == first_warning
    for moment in quiet:
        assert sweep_at(moment).fired == 0, moment
    assert sweep_at(first_warning).fired == 1
    assert fired(ticket) == [("first_response", "warning")]


def test_a_reply_after_the_warning_cancels_the_breach(agent, supervisor):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    assert sweep_at(jst(2026, 11, 25, 10, 50)).fired == 1
    with time_machine.travel(jst(2026, 11, 25, 10, 55), tick=False):
        ticket_reply(ticket=ticket, author=agent, body_text="確認いたします。")
    assert sweep_at(jst(2026, 11, 25, 11, 0, 1)).fired == 0
    assert sweep_at(jst(2026, 11, 25, 11, 40)).fired == 0
    assert fired(ticket) == [("first_response", "warning")]
    assert not StaffNotification.objects.filter(recipient=supervisor).exists()


def test_pending_customer_stops_escalation_and_a_late_priority_change_catches_up(
    agent, supervisor, desk_admin
):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), priority="low", assignee=agent)
    with time_machine.travel(jst(2026, 11, 25, 10, 10), tick=False):
        ticket_change(ticket=ticket, actor=agent, status="pending_customer")
    ticket.refresh_from_db()
    assert ticket.next_escalation_at is None
    assert sweep_at(jst(2026, 11, 26, 16, 0)).fired == 0

    with time_machine.travel(jst(2026, 11, 26, 16, 0), tick=False):
        ticket_change(ticket=ticket, actor=agent, status="open", priority="urgent")
    # 10 minutes before the pause plus 16:00-16:00... resumed now: used 10 minutes of 60.
    assert sweep_at(jst(2026, 11, 26, 16, 34, 59)).fired == 0
    assert sweep_at(jst(2026, 11, 26, 16, 35)).fired == 1


def test_a_priority_change_past_the_breach_fires_the_missed_levels_at_the_next_sweep(
    agent, supervisor, desk_admin
):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), priority="normal", assignee=agent)
    with time_machine.travel(jst(2026, 11, 25, 11, 40), tick=False):
        ticket_change(ticket=ticket, actor=agent, priority="urgent")
    assert sweep_at(jst(2026, 11, 25, 11, 41)).fired == 3
    assert fired(ticket) == [
        ("first_response", "warning"),
        ("first_response", "breach"),
        ("first_response", "overdue"),
    ]
    assert sweep_at(jst(2026, 11, 25, 11, 42)).fired == 0


def test_an_unassigned_ticket_warns_the_supervisors_and_without_them_the_admins(desk_admin):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0))
    sweep_at(jst(2026, 11, 25, 10, 45))
    assert list(
        StaffNotification.objects.filter(ticket=ticket).values_list(
            "recipient__username", flat=True
        )
    ) == ["admin1"]


def test_the_rule_of_a_policy_sets_the_percentages_and_recipients(agent, supervisor):
    policy = SlaPolicy.objects.get(priority="urgent", category="")
    EscalationRule.objects.create(
        policy=policy,
        warning_percent=50,
        breach_percent=100,
        overdue_percent=200,
        warning_recipients=["assignee", "supervisors"],
    )
    sla_policies_changed()
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    assert ticket.next_escalation_at == jst(2026, 11, 25, 10, 30)
    sweep_at(jst(2026, 11, 25, 10, 30))
    assert ticket.events.get(kind="escalation").detail == "一次回答: 期限間近（目標の50%）"
    assert set(StaffNotification.objects.values_list("recipient__username", flat=True)) == {
        "agent1",
        "super1",
    }
    # Overdue at 200 %: one second past 120 minutes -> 12:00:01 is lunch, so 13:00:01.
    sweep_at(jst(2026, 11, 25, 11, 0, 1))
    ticket.refresh_from_db()
    assert ticket.next_escalation_at == jst(2026, 11, 25, 13, 0, 1)


def test_rules_are_validated_rising_percentages_and_someone_to_tell():
    policy = SlaPolicy.objects.get(priority="high", category="")
    rule = EscalationRule(policy=policy, warning_percent=80, breach_percent=70)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "overdue_percent" in error.value.message_dict
    rule = EscalationRule(policy=policy, breach_recipients=[])
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "breach_recipients" in error.value.message_dict
    EscalationRule(policy=policy).full_clean()


def test_a_queue_breaching_at_once_sends_the_supervisor_one_digest_in_their_language(
    supervisor,
):
    StaffProfile.objects.create(user=supervisor, language="en")
    tickets = [open_ticket(jst(2026, 11, 25, 10, minute)) for minute in range(5)]
    result = sweep_at(jst(2026, 11, 25, 11, 10))
    assert result.fired == 10  # warning and breach of five tickets
    assert result.recipient_ids == {supervisor.pk}

    assert staff_digest_send(user_id=supervisor.pk) == 10
    assert staff_digest_send(user_id=supervisor.pk) == 0  # sent once
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["super1@helpdesk.example.jp"]
    assert digest.subject == "[Support desk] 10 new notification(s)"
    for ticket in tickets:
        assert f"{ticket.reference} first response: breach" in digest.body


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_skip_each_others_tickets_and_fire_once(agent):
    if connection.vendor != "postgresql":
        service_missing("SKIP LOCKED needs PostgreSQL")
    tickets = [open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent) for _n in range(4)]
    locked = threading.Event()
    release = threading.Event()

    def other_sweeper_holding_two():
        with transaction.atomic():
            list(
                Ticket.objects.select_for_update()
                .filter(pk__in=[tickets[0].pk, tickets[1].pk])
                .order_by("pk")
            )
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_sweeper_holding_two)
    thread.start()
    locked.wait(10)
    try:
        assert sweep_at(jst(2026, 11, 25, 10, 45)).tickets == 2
    finally:
        release.set()
        thread.join()
    assert sweep_at(jst(2026, 11, 25, 10, 46)).tickets == 2
    assert Escalation.objects.count() == 4
    assert sweep_at(jst(2026, 11, 25, 10, 47)).tickets == 0


def test_an_admin_edits_a_policys_escalation_rule_and_bad_input_is_refused(client):
    admin_user = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    policy = SlaPolicy.objects.get(priority="urgent", category="")
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"
    form = {
        "priority": "urgent",
        "category": "",
        "first_response_minutes": "60",
        "next_response_minutes": "60",
        "resolution_minutes": "360",
        "warning_percent": "75",
        "escalation_rule-TOTAL_FORMS": "1",
        "escalation_rule-INITIAL_FORMS": "0",
        "escalation_rule-MIN_NUM_FORMS": "0",
        "escalation_rule-MAX_NUM_FORMS": "1",
        "escalation_rule-0-warning_percent": "90",
        "escalation_rule-0-breach_percent": "80",
        "escalation_rule-0-overdue_percent": "150",
        "escalation_rule-0-warning_recipients": ["assignee"],
        "escalation_rule-0-breach_recipients": ["supervisors"],
        "escalation_rule-0-overdue_recipients": ["admins"],
    }
    response = client.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    assert not EscalationRule.objects.exists()

    form["escalation_rule-0-warning_percent"] = "60"
    form["escalation_rule-0-breach_percent"] = "100"
    response = client.post(url, form)
    assert response.status_code == 302
    assert EscalationRule.objects.get(policy=policy).warning_percent == 60


def test_the_ticket_carries_the_highest_level_reached_and_an_answer_clears_it(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)
    levels = [ticket.escalation_level]
    for moment in (
        jst(2026, 11, 25, 10, 45),
        jst(2026, 11, 25, 11, 0, 1),
        jst(2026, 11, 25, 11, 30, 1),
    ):
        sweep_at(moment)
        ticket.refresh_from_db()
        levels.append(ticket.escalation_level)
    assert levels == [0, 1, 2, 3]  # none, warning, breach, overdue
    with time_machine.travel(jst(2026, 11, 25, 11, 40), tick=False):
        ticket_reply(ticket=ticket, author=agent, body_text="確認いたします。")
    ticket.refresh_from_db()
    # The first response is made; the resolution timer (a day for urgent) is far from any level.
    assert ticket.escalation_level == 0


def test_a_queue_with_its_own_supervisors_tells_them_not_every_supervisor(supervisor):
    billing_lead = make_user("billing1", "agent")
    QueueSupervisor.objects.create(queue="billing", user=billing_lead)
    in_billing = open_ticket(jst(2026, 11, 25, 10, 0))
    Ticket.objects.filter(pk=in_billing.pk).update(queue="billing")
    elsewhere = open_ticket(jst(2026, 11, 25, 10, 0))
    sweep_at(jst(2026, 11, 25, 11, 0, 1))  # warning and breach of both, unassigned

    def told(ticket):
        return set(
            StaffNotification.objects.filter(ticket=ticket).values_list(
                "recipient__username", flat=True
            )
        )

    assert told(in_billing) == {"billing1"}
    assert told(elsewhere) == {"super1"}  # no queue supervisors: the supervisors' group


def test_tickets_falling_due_at_one_instant_are_swept_in_batches_each_once(agent):
    count = 2 * SWEEP_BATCH + 7  # three batches, all at the same next_escalation_at
    tickets = [open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent) for _n in range(count)]
    assert len({ticket.next_escalation_at for ticket in tickets}) == 1
    result = sweep_at(jst(2026, 11, 25, 10, 45))
    assert (result.tickets, result.fired) == (count, count)
    assert Escalation.objects.filter(level="warning").count() == count
    assert sweep_at(jst(2026, 11, 25, 10, 46)).fired == 0
