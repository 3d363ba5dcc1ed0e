"""Deadline upkeep at scale: the recompute after a closure change works in resumable parts,
writes only tickets whose values move, and never overwrites a ticket a service just changed."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from helpdesk.tickets import tasks
from helpdesk.tickets.bulk_write import tickets_sla_write
from helpdesk.tickets.deadlines import tickets_sla_recompute
from helpdesk.tickets.escalations import escalation_sweep
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_change_priority
from sla.calendars import calendar_changed
from sla.models import ClosureDay

from .conftest import jst, open_ticket

pytestmark = pytest.mark.django_db


def close_friday() -> None:
    ClosureDay.objects.create(date=datetime.date(2026, 11, 27), reason="社内研修")
    calendar_changed()


def test_the_recompute_stops_on_its_time_budget_and_resumes_after_the_last_ticket():
    tickets = [open_ticket(jst(2026, 11, 25, 10, minute), priority="normal") for minute in range(5)]
    close_friday()
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        first = tickets_sla_recompute(batch_size=2, time_budget=0)
        assert (first.refreshed, first.done, first.last_pk) == (2, False, tickets[1].pk)
        rest = tickets_sla_recompute(after_pk=first.last_pk, batch_size=2)
    assert rest.done and rest.refreshed == 3
    for minute, ticket in enumerate(tickets):
        ticket.refresh_from_db()
        # Five business days from Wednesday 10:0m, with Friday closed: 10:0m on Thursday
        # 3 Dec; for 10:00 that instant is the end of Wednesday 2 Dec (17:00).
        expected = jst(2026, 12, 3, 10, minute) if minute else jst(2026, 12, 2, 17, 0)
        assert ticket.resolution_due == expected


def test_the_task_hands_the_rest_to_a_new_task_with_the_last_primary_key(monkeypatch):
    tickets = [open_ticket(jst(2026, 11, 25, 10, minute), priority="normal") for minute in range(3)]
    enqueued: list[int] = []
    monkeypatch.setattr(tasks, "RECOMPUTE_SLICE_SECONDS", 0)
    monkeypatch.setattr(tasks.tickets_sla_recompute_task, "delay", enqueued.append)
    monkeypatch.setattr(tasks, "tickets_sla_recompute", _small_batches(tasks.tickets_sla_recompute))
    tasks.tickets_sla_recompute_task(0)
    assert enqueued == [tickets[0].pk]
    tasks.tickets_sla_recompute_task(tickets[2].pk)
    assert enqueued == [tickets[0].pk]  # done: nothing more enqueued


def _small_batches(recompute):
    def run(**kwargs):
        return recompute(batch_size=1, **kwargs)

    return run


def test_only_tickets_whose_deadlines_move_are_written():
    early = open_ticket(
        jst(2026, 11, 25, 10, 0), priority="normal"
    )  # resolution Tue 1 Dec: crosses Friday
    ClosureDay.objects.create(date=datetime.date(2026, 12, 10), reason="棚卸し")
    calendar_changed()
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        progress = tickets_sla_recompute()
    assert (progress.refreshed, progress.written) == (1, 0)
    close_friday()
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        progress = tickets_sla_recompute()
    assert (progress.refreshed, progress.written) == (1, 1)
    early.refresh_from_db()
    assert early.resolution_due == jst(2026, 12, 2, 17, 0)


def test_a_ticket_changed_by_a_service_meanwhile_is_not_overwritten():
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), priority="normal")
    stale = Ticket.objects.get(pk=ticket.pk)
    with time_machine.travel(jst(2026, 11, 25, 10, 30), tick=False):
        ticket_change_priority(ticket=ticket, priority="urgent")
    stale.first_response_due = jst(2030, 1, 1, 10, 0)
    assert tickets_sla_write([stale], unchanged_since=[stale.updated_at]) == 0
    ticket.refresh_from_db()
    assert ticket.first_response_due == jst(2026, 11, 25, 11, 0)
    assert tickets_sla_write([stale]) == 1  # without the guard it would have been written


def test_a_breached_ticket_whose_levels_all_fired_is_not_rewritten_or_swept_again(agent):
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), assignee=agent)  # urgent
    with time_machine.travel(jst(2026, 11, 25, 11, 31), tick=False):
        assert escalation_sweep().fired == 3  # first response: warning, breach, overdue
    ticket.refresh_from_db()
    # Next: the resolution's warning, 270 business minutes after 10:00.
    assert ticket.next_escalation_at == jst(2026, 11, 25, 15, 30)
    ClosureDay.objects.create(date=datetime.date(2026, 12, 10), reason="棚卸し")
    calendar_changed()
    with time_machine.travel(jst(2026, 11, 25, 11, 40), tick=False):
        progress = tickets_sla_recompute()
    assert (progress.refreshed, progress.written) == (1, 0)
    ticket.refresh_from_db()
    assert ticket.next_escalation_at == jst(2026, 11, 25, 15, 30)
