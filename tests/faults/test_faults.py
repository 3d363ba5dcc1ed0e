"""Faults injected into real processes (issue 9): every mail the gateway accepted ends
processed or quarantined, none twice, and nobody restarts anything by hand.

A killed worker is started again, as systemd's ``Restart=always`` would (deploy/); everything
else must recover on its own. Beat is not running: where a sweep is needed (mail stored while
the broker was down, whose task could not be queued; a task taken off the queue by a worker
killed in that very instant) the test runs that sweep once, as beat would within five minutes.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

import psycopg
import pytest
import redis
from django.db import connection
from django.db.models import Count

from helpdesk.mail.models import InboundMail
from helpdesk.mail.tasks import mail_requeue_stuck_task
from helpdesk.tickets.models import Message, Ticket
from tests.conftest import celery_broker
from tests.faults.harness import stop_group, wait_until
from tests.faults.poison import ampersand_html_mail, nested_html_mail, nested_mime_mail
from tests.mail.intake.conftest import japanese_mail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SETTLED = ("processed", "ignored", "quarantined")


def mails(prefix: str, count: int) -> dict[str, bytes]:
    return {
        f"<{prefix}-{number}@customer.example.jp>": japanese_mail(
            message_id=f"<{prefix}-{number}@customer.example.jp>",
            sender=f"{prefix}{number}@customer.example.jp",
            subject=f"{prefix} {number}",
        )
        for number in range(count)
    }


def statuses(message_ids) -> dict[str, str]:
    return dict(
        InboundMail.objects.filter(message_id__in=list(message_ids)).values_list(
            "message_id", "status"
        )
    )


def all_settled(message_ids) -> bool:
    found = statuses(message_ids)
    return len(found) == len(message_ids) and all(s in SETTLED for s in found.values())


def assert_each_once(message_ids) -> None:
    """One stored row, one ticket message and one ticket per mail: nothing lost or doubled."""
    assert InboundMail.objects.filter(message_id__in=list(message_ids)).count() == len(message_ids)
    doubled = (
        Message.objects.filter(message_id__in=list(message_ids))
        .values("message_id")
        .annotate(copies=Count("id"))
        .filter(copies__gt=1)
    )
    assert list(doubled) == []
    tickets = InboundMail.objects.filter(message_id__in=list(message_ids)).values_list(
        "ticket", flat=True
    )
    assert None not in tickets and len(set(tickets)) == len(message_ids)
    assert Ticket.objects.filter(pk__in=list(tickets)).count() == len(message_ids)


def sweep_stuck_mail(broker_url: str) -> None:
    """What beat does every five minutes: queue again the mail still ``received``."""
    with celery_broker(broker_url):
        mail_requeue_stuck_task.apply()


def test_a_worker_killed_mid_batch_loses_nothing_and_runs_nothing_twice(desk, own_redis, settings):
    settings.MAIL_STUCK_AFTER_SECONDS = 0
    # Enough mail that the kill lands mid-way: a batch processes 20 at once (issue 13).
    batch = mails("killed", 200)
    desk.start_gateway()
    worker = desk.start_worker()
    assert desk.send(list(batch.values())) == ["250"] * len(batch)
    wait_until(
        lambda: list(statuses(batch).values()).count("processed") >= 1,
        timeout=60,
        what="the first mail processed",
    )
    stop_group(worker, kill=True)  # SIGKILL, worker and pool children, mid-batch
    assert not all_settled(batch), "the batch finished before the kill: the test proves nothing"
    desk.start_worker()  # the supervisor's restart
    # The killed worker's tasks come back by the visibility timeout, without beat ...
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: all_settled(batch), timeout=60, what="every mail settled")
    # ... except one taken off the queue in the instant before it was recorded as
    # unacknowledged: that one is still stored, and beat's stuck-mail sweep is its net.
    sweep_stuck_mail(own_redis.url)
    wait_until(lambda: all_settled(batch), timeout=60, what="every mail settled")
    assert set(statuses(batch).values()) == {"processed"}
    assert_each_once(batch)


def test_the_worker_survives_redis_stopping_and_starting_again(desk, own_redis, settings):
    settings.MAIL_STUCK_AFTER_SECONDS = 0
    desk.start_gateway()
    worker = desk.start_worker()
    accepted: dict[str, bytes] = {}
    broker = redis.Redis.from_url(own_redis.url)
    for outage in range(3):
        # Slow mail first, so that the worker holds tasks it has not acknowledged yet.
        slow = {
            f"<slow{outage}-{n}-70000@example.net>": nested_html_mail(
                70_000, tag=f"slow{outage}-{n}"
            )
            for n in range(3)
        }
        batch = {**slow, **mails(f"outage{outage}", 10)}
        assert desk.send(list(batch.values())) == ["250"] * len(batch)
        accepted.update(batch)
        wait_until(
            # One task can hold several mails now (a batch, issue 13).
            lambda broker=broker: broker.hlen("unacked") >= 1,
            timeout=30,
            what="the worker holding unacknowledged tasks",
        )
        # Now, with tasks unacknowledged: the case that made kombu raise AttributeError and
        # the worker exit ("Unrecoverable error").
        own_redis.stop()
        # Mail keeps coming in while the broker is away: stored, its task not queued.
        during = mails(f"during{outage}", 3)
        assert desk.send(list(during.values())) == ["250"] * len(during)
        accepted.update(during)
        time.sleep(2)
        own_redis.start()
    wait_until(
        lambda: (
            "Connected to redis" in desk.worker_log()
            and desk.worker_log().count("Connected to redis") >= 2
        ),
        timeout=60,
        what="the worker reconnected",
    )
    after = mails("after", 6)
    assert desk.send(list(after.values())) == ["250"] * len(after)
    accepted.update(after)
    wait_until(
        lambda: all(statuses(after).get(key) in SETTLED for key in after),
        timeout=90,
        what="mail after the outages processed",
    )
    sweep_stuck_mail(own_redis.url)  # the queue died with Redis: beat's net brings those back
    wait_until(lambda: all_settled(accepted), timeout=120, what="every mail settled")
    assert worker.poll() is None, "the worker exited"
    assert "Unrecoverable error" not in desk.worker_log()
    assert set(statuses(accepted).values()) == {"processed"}
    assert_each_once(accepted)


@contextlib.contextmanager
def database_outage(database: str, *, spare) -> Iterator[None]:
    """Refuse new connections to ``database`` and cut every existing one but the test's own:
    what a PostgreSQL restart or failover looks like to the desk. Issued from the ``postgres``
    database, since a database cannot refuse connections to itself from inside."""
    with spare.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    settings = spare.settings_dict
    admin = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        try:
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> %s",
                [database, own_pid],
            )
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


def test_workers_recover_when_the_database_drops_every_connection(desk):
    database = connection.settings_dict["NAME"]
    desk.start_gateway()
    worker = desk.start_worker()
    before = mails("before", 5)
    assert desk.send(list(before.values())) == ["250"] * len(before)
    wait_until(lambda: all_settled(before), timeout=60, what="warm-up mail settled")

    queued = mails("queued", 8)
    assert desk.send(list(queued.values())) == ["250"] * len(queued)
    with database_outage(database, spare=connection):
        during = mails("refused", 3)
        # The gateway cannot store: it answers 451 and the sender keeps the mail.
        assert desk.send(list(during.values())) == ["451"] * len(during)
        time.sleep(4)
    assert desk.send(list(during.values())) == ["250"] * len(during)  # the sender's retry
    after = mails("after", 5)
    assert desk.send(list(after.values())) == ["250"] * len(after)
    accepted = {**before, **queued, **during, **after}
    wait_until(lambda: all_settled(accepted), timeout=150, what="every mail settled")
    assert worker.poll() is None, "the worker exited"
    assert set(statuses(accepted).values()) == {"processed"}
    assert_each_once(accepted)


def test_poison_mail_is_contained_and_the_desk_keeps_working(desk):
    desk.start_gateway()
    desk.start_worker()
    poison = {
        "<divs-70000@example.net>": nested_html_mail(70_000),
        "<deep-1000@example.net>": nested_mime_mail(1000),
        "<amps-700000@example.net>": ampersand_html_mail(700_000),
    }
    ordinary = mails("ordinary", 5)
    assert desk.send([*poison.values(), *ordinary.values()]) == ["250"] * 8
    wait_until(lambda: all_settled({**poison, **ordinary}), timeout=90, what="every mail settled")
    result = statuses(poison)
    assert result["<deep-1000@example.net>"] == "quarantined"
    assert result["<divs-70000@example.net>"] == "processed"
    assert result["<amps-700000@example.net>"] == "processed"
    assert set(statuses(ordinary).values()) == {"processed"}

    # Mail reaches the workers in batches (issue 13) and alone after a failed attempt: no
    # intake task, of either kind, ran past the hard limit.
    def runtimes() -> list[float]:
        return [
            float(seconds)
            for seconds in re.findall(
                r"mail_process(?:_batch)?_task\[[^\]]+\] succeeded in ([0-9.]+)s",
                desk.worker_log(),
            )
        ]

    # The worker logs "succeeded" just after the task's commit, which the wait above saw:
    # give the last line a moment to reach the log.
    wait_until(runtimes, timeout=10, what="the tasks logged")
    assert max(runtimes()) <= 10
