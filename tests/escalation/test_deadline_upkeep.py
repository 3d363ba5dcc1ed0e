"""Deadline upkeep at scale: the recompute after a closure change works in resumable parts,
writes only tickets whose values move, and never overwrites a ticket a service just changed."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection

from helpdesk.tickets import tasks
from helpdesk.tickets.bulk_write import tickets_sla_write
from helpdesk.tickets.deadlines import recompute_ranges, tickets_sla_recompute
from helpdesk.tickets.escalations import escalation_sweep
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_change_priority, ticket_change_status
from sla.calendars import business_clock, calendar_changed
from sla.models import ClosureDay
from tests.conftest import service_missing

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
    enqueued: list[tuple[int, int | None]] = []
    monkeypatch.setattr(tasks, "RECOMPUTE_SLICE_SECONDS", 0)
    monkeypatch.setattr(
        tasks.tickets_sla_recompute_task, "delay", lambda *range_: enqueued.append(range_)
    )
    monkeypatch.setattr(tasks, "tickets_sla_recompute", _small_batches(tasks.tickets_sla_recompute))
    tasks.tickets_sla_recompute_task(0, tickets[2].pk)
    assert enqueued == [(tickets[0].pk, tickets[2].pk)]  # the rest of its own range only
    tasks.tickets_sla_recompute_task(tickets[2].pk)
    assert len(enqueued) == 1  # done: nothing more enqueued


def test_a_closure_change_is_shared_out_in_ranges_that_cover_every_open_ticket_once(
    monkeypatch, settings
):
    tickets = [open_ticket(jst(2026, 11, 25, 10, minute), priority="normal") for minute in range(7)]
    ticket_change_status(ticket=tickets[3], status="resolved")
    settings.SLA_RECOMPUTE_PARTS = 3
    queued: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        tasks.tickets_sla_recompute_task, "delay", lambda *range_: queued.append(range_)
    )
    close_friday()
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        tasks.tickets_sla_recompute_task()  # as the closure change queues it: no range
        assert len(queued) == 3
        refreshed = [tickets_sla_recompute(after_pk=low, before_pk=high) for low, high in queued]
    # Each open ticket in exactly one range; the resolved one in none.
    assert sum(progress.refreshed for progress in refreshed) == 6
    for minute, ticket in enumerate(tickets):
        ticket.refresh_from_db()
        if minute == 3:
            continue
        expected = jst(2026, 12, 3, 10, minute) if minute else jst(2026, 12, 2, 17, 0)
        assert ticket.resolution_due == expected


def test_with_no_open_ticket_there_is_nothing_to_share_out():
    assert recompute_ranges(parts=4) == []


def test_the_recompute_reads_the_closures_afresh_not_a_copy_from_before_the_change():
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), priority="normal")
    business_clock()  # this process's copy, fresh for another second
    # The closure lands and the task runs within that second (another process announced it).
    ClosureDay.objects.create(date=datetime.date(2026, 11, 27), reason="社内研修")
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        tickets_sla_recompute()
    ticket.refresh_from_db()
    assert ticket.resolution_due == jst(2026, 12, 2, 17, 0)


def test_the_bulk_write_stores_exact_instants_empty_deadlines_and_states():
    ticket = open_ticket(jst(2026, 11, 25, 10, 0), priority="normal")
    ticket.first_response_due = jst(2026, 11, 26, 11, 59, 59)
    ticket.next_response_due = None
    ticket.resolution_due = jst(2027, 1, 4, 10, 0)
    ticket.sla_state = Ticket.SlaState.BREACHED
    ticket.next_escalation_at = None
    ticket.business_seconds_consumed = 12345
    assert tickets_sla_write([ticket], unchanged_since=[ticket.updated_at]) == 1
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.first_response_due == jst(2026, 11, 26, 11, 59, 59)
    assert (stored.next_response_due, stored.next_escalation_at) == (None, None)
    assert stored.resolution_due == jst(2027, 1, 4, 10, 0)
    assert (stored.sla_state, stored.business_seconds_consumed) == ("breached", 12345)


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


@pytest.mark.django_db(transaction=True)
def test_the_recompute_leaves_the_connection_committing_durably():
    """Its writes commit without waiting for the disk; nothing after it on the same worker
    connection (a stored mail, a consent decision) may inherit that."""
    if connection.vendor != "postgresql":
        service_missing("commit durability is a PostgreSQL setting (set DATABASE_URL)")
    open_ticket(jst(2026, 11, 25, 10, 0), priority="normal")
    close_friday()
    with time_machine.travel(jst(2026, 11, 25, 12, 0), tick=False):
        assert tickets_sla_recompute().written == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
