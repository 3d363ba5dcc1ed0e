"""Benchmark escalation and deadline upkeep on PostgreSQL at desk scale.

    python benchmarks/bench_escalation.py [--tickets 1000000] [--due-percent 1]
                                          [--closure-tickets 200000] [--agents 50]
                                          [--processes 2]

It creates its own database (``helpdesk_bench_escalation``, dropped first) from
``DATABASE_URL``'s server, fills it with open tickets in one ``INSERT ... SELECT`` (not timed),
and measures, in this process (one worker process) for (1) and (2):

1. one sweep with nothing due (the indexed read of ``next_escalation_at``), median of 30,
   with the query plan;
2. ``--due-percent`` of the tickets due (each past its warning), swept end to end: levels
   fired, events and notifications written, one digest per agent rendered and "sent" (the
   in-memory mail backend);
3. a closure day added for the coming week on a desk of ``--closure-tickets`` open tickets
   (the others resolved first, not timed): the ranges planned as the task plans them
   (``SLA_RECOMPUTE_PARTS``), worked by ``--processes`` processes as a worker's pool works the
   range tasks, every deadline recomputed and the moved ones written; the longest single
   UPDATE is reported (the longest any row lock is held).

Goals (issue 10): (1) <= 20 ms, (2) <= 30 s for 10,000 due, (3) <= 20 s for 200,000.
The machine is shared: pass smaller sizes and say so when reporting.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = "helpdesk_bench_escalation"


def _setup_django(base_url: str) -> None:
    os.environ["DATABASE_URL"] = f"{base_url}/{BENCH_DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.test_settings"
    import django

    django.setup()


def _create_database(base_url: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def _fill(tickets: int, agents: int, now: datetime.datetime) -> None:
    """Open tickets, none due: received in the last few business days, deadlines ahead."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from helpdesk.tickets.models import Contact

    contact = Contact.objects.create(email="bench@example.jp", name="ベンチ 太郎")
    group = Group.objects.get_or_create(name="agent")[0]
    for number in range(agents):
        user = User.objects.create_user(f"agent{number}", f"agent{number}@helpdesk.example.jp")
        user.groups.add(group)
    first_agent = User.objects.order_by("pk").values_list("pk", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (
                number, reference, subject, status, priority, category, channel, queue,
                received_at, created_at, updated_at, first_response_due, next_response_pause_offset,
                resolution_due, paused_business_seconds, business_seconds_consumed, sla_state,
                escalation_level, next_escalation_at, assignee_id, requester_id,
                acknowledgement_pending, language)
            SELECT n, 'NP-' || lpad(n::text, 7, '0'), 'ログインできません ' || n, 'open',
                'normal', '', 'mail', '',
                %(now)s - (n %% 4000) * interval '1 minute', %(now)s, %(now)s,
                %(now)s + interval '1 day', 0, %(now)s + interval '5 days', 0, 0, 'ok', 0,
                %(now)s + interval '1 day' + (n %% 600) * interval '1 second',
                %(first_agent)s + n %% %(agents)s, %(contact)s, false, 'ja'
            FROM generate_series(1, %(tickets)s) AS n
            """,
            {
                "now": now,
                "tickets": tickets,
                "agents": agents,
                "first_agent": first_agent,
                "contact": contact.pk,
            },
        )
        cursor.execute("ANALYZE tickets_ticket")


def _plan(now: datetime.datetime) -> str:
    from django.db import connection, transaction

    from helpdesk.tickets.escalations import SWEEP_BATCH
    from helpdesk.tickets.models import Ticket

    query = (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_escalation_at__lte=now)
        .order_by("next_escalation_at", "id")[:SWEEP_BATCH]
    )
    with transaction.atomic():
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _make_due(count: int, now: datetime.datetime) -> None:
    """``count`` tickets become urgent and 50 business minutes old: past the 45-minute warning."""
    from django.db import connection

    from sla.calendars import business_clock

    clock = business_clock()
    received = clock.instant_at_position(clock.position(now) - 50 * 60)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tickets_ticket SET priority = 'urgent', received_at = %s,
                next_escalation_at = %s - interval '1 minute'
            WHERE id IN (SELECT id FROM tickets_ticket ORDER BY id DESC LIMIT %s)
            """,
            [received, now, count],
        )


class StatementTimer:
    """The longest UPDATE of tickets (the longest any ticket's row lock is held by it)."""

    def __init__(self) -> None:
        self.longest = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if sql.lstrip().upper().startswith("UPDATE"):
                self.longest = max(self.longest, time.perf_counter() - started)


def main() -> None:
    logging.disable(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--closure-tickets", type=int, default=200_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument(
        "--processes", type=int, default=2, help="worker processes sharing the recompute"
    )
    arguments = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("bench_escalation needs DATABASE_URL on PostgreSQL (the server is reused)")
    base = base.rsplit("/", 1)[0]
    _create_database(base)
    _setup_django(base)

    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection, connections

    from helpdesk.tickets.deadlines import recompute_ranges
    from helpdesk.tickets.escalations import SweepResult, escalation_sweep_batch
    from helpdesk.tickets.models import StaffNotification, Ticket
    from helpdesk.tickets.staff_notifications import staff_digest_send
    from sla.calendars import business_clock, calendar_changed
    from sla.models import ClosureDay

    call_command("migrate", verbosity=0)
    clock = business_clock()
    # An instant the desk is open, so the sweep really reads (it does nothing while closed).
    now = (
        clock.instant_at_position(
            clock.position(clock.next_open(datetime.datetime.now(datetime.UTC))) + 3600
        )
        .astimezone(datetime.UTC)
        .replace(microsecond=0)
    )

    print(f"filling {arguments.tickets:,} open tickets ...", flush=True)
    started = time.perf_counter()
    _fill(arguments.tickets, arguments.agents, now)
    print(f"  filled in {time.perf_counter() - started:.1f} s (not part of any figure)")

    timings = []
    for _run in range(30):
        started = time.perf_counter()
        result = escalation_sweep_batch(now=now)
        timings.append(time.perf_counter() - started)
        assert result.tickets == 0
    print(
        f"1. sweep, nothing due: median {statistics.median(timings) * 1000:.2f} ms, "
        f"max {max(timings) * 1000:.2f} ms  (goal <= 20 ms)"
    )

    due = int(arguments.tickets * arguments.due_percent / 100)
    _make_due(due, now)
    print("   plan of the sweep's read (with tickets due):")
    print("     " + _plan(now).replace("\n", "\n     "))
    mail.outbox = []
    started = time.perf_counter()
    # Batch by batch, as the task does: each batch is one transaction holding its rows' locks.
    result = SweepResult()
    longest_batch = 0.0
    after = None
    while True:
        batch_started = time.perf_counter()
        batch = escalation_sweep_batch(now=now, after=after)
        after = batch.last_key
        longest_batch = max(longest_batch, time.perf_counter() - batch_started)
        result.fired += batch.fired
        result.recipient_ids |= batch.recipient_ids
        if batch.tickets == 0:
            break
    swept = time.perf_counter() - started
    for user_id in sorted(result.recipient_ids):
        staff_digest_send(user_id=user_id)
    total = time.perf_counter() - started
    notifications = StaffNotification.objects.count()
    print(
        f"2. {due:,} due: {result.fired:,} levels fired, {notifications:,} notifications, "
        f"{len(mail.outbox)} digest mails: sweep {swept:.2f} s, with digests {total:.2f} s "
        f"({total / max(due, 1) * 1e6:.0f} µs a ticket); longest batch transaction "
        f"{longest_batch * 1000:.0f} ms  (goal <= 30 s for 10,000)"
    )

    # Close a day of the coming week: most open tickets' resolution deadlines move by a day.
    # The desk keeps ``--closure-tickets`` open (the rest resolved, not timed), and the worker's
    # processes share the recompute as the task does: one range each at a time.
    limit = min(arguments.closure_tickets, arguments.tickets)
    Ticket.objects.filter(pk__gt=limit).update(status=Ticket.Status.RESOLVED)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
    closure = (clock.next_open(now) + datetime.timedelta(days=3)).astimezone(clock.tz).date()
    ClosureDay.objects.create(date=closure, reason="ベンチマーク")
    calendar_changed()
    started = time.perf_counter()
    ranges = recompute_ranges(parts=settings.SLA_RECOMPUTE_PARTS)
    connections.close_all()  # each process opens its own
    with ProcessPoolExecutor(
        arguments.processes, mp_context=multiprocessing.get_context("fork")
    ) as pool:
        parts = list(pool.map(_recompute_part, ranges))
    elapsed = time.perf_counter() - started
    refreshed = sum(part[0].refreshed for part in parts)
    written = sum(part[0].written for part in parts)
    longest = max(part[1] for part in parts)
    print(
        f"3. closure on {closure}: {refreshed:,} open tickets recomputed, {written:,} moved, "
        f"in {len(ranges)} ranges by {arguments.processes} processes: {elapsed:.2f} s "
        f"({elapsed / max(refreshed, 1) * 1e6:.0f} µs a ticket); longest UPDATE "
        f"{longest * 1000:.1f} ms  (goal <= 20 s for 200,000, <= 50 ms)"
    )
    assert refreshed == limit
    baseline = _baseline_per_ticket(min(5_000, limit))
    print(
        f"   baseline in this run, the recompute the issue measured (model instances, "
        f"bulk_update's CASE expressions, one process) on {min(5_000, limit):,} of them: "
        f"{baseline * 1e6:.0f} µs a ticket, {baseline * limit:.0f} s for {limit:,}; "
        f"ours {baseline * refreshed / elapsed:.0f}x faster"
    )


def _baseline_per_ticket(count: int) -> float:
    """Seconds a ticket, read as model instances, refreshed, written with ``bulk_update``
    (rolled back, so the figure above is unaffected)."""
    from django.db import transaction

    from helpdesk.tickets.deadlines import now_in_seconds, ticket_sla_refresh
    from helpdesk.tickets.models import SLA_FIELDS, Ticket

    started = time.perf_counter()
    with transaction.atomic():
        tickets = list(Ticket.objects.filter(status=Ticket.Status.OPEN).order_by("pk")[:count])
        now = now_in_seconds()
        for ticket in tickets:
            ticket_sla_refresh(ticket, now=now)
        Ticket.objects.bulk_update(tickets, SLA_FIELDS, batch_size=500)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed / max(len(tickets), 1)


def _recompute_part(part):
    """One range, as one ``tickets_sla_recompute_task`` chain works it (in a pool process)."""
    from django.db import connection

    from helpdesk.tickets.deadlines import tickets_sla_recompute

    statements = StatementTimer()
    with connection.execute_wrapper(statements):
        progress = tickets_sla_recompute(after_pk=part.after_pk, before_pk=part.before_pk)
    connection.close()
    return progress, statements.longest


if __name__ == "__main__":
    main()
