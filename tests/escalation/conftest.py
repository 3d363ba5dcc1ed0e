"""Fixtures for escalations and consent: staff in each role and tickets opened at a moment."""

from __future__ import annotations

import datetime
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open
from sla.calendars import calendar_changed
from tests.conftest import ROOT, celery_broker, database_url_for_subprocess, stop_process

JST = ZoneInfo("Asia/Tokyo")


def jst(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=JST)


def make_user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(
        username, f"{username}@helpdesk.example.jp", "correct-horse-9", **extra
    )
    if role:
        # get_or_create: a transactional test's flush removes the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def open_ticket(
    moment: datetime.datetime, *, priority: str = "urgent", assignee: User | None = None, **extra
) -> Ticket:
    with time_machine.travel(moment, tick=False):
        ticket = ticket_open(
            channel="mail",
            requester_email="yamada@example.jp",
            requester_name="山田 太郎",
            subject="ログインできません",
            body_text="パスワードを入れても入れません。",
            priority=priority,
            acknowledge=False,
            **extra,
        )
    if assignee is not None:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee)
        ticket.refresh_from_db()
    return ticket


def consent_texts_seed() -> None:
    """The consent texts the data migration adds (a transactional test's flush removes them)."""
    migration = importlib.import_module("helpdesk.remote.migrations.0002_consent_texts_v1")
    migration.add_texts(django_apps, None)


@pytest.fixture(autouse=True)
def _media_under_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def agent(db) -> User:
    return make_user("agent1", "agent", first_name="花子", last_name="佐藤")


@pytest.fixture
def supervisor(db) -> User:
    return make_user("super1", "supervisor")


@pytest.fixture
def desk_admin(db) -> User:
    return make_user("admin1", "admin")


# --- Real Celery worker and beat processes (on a desk open around the clock) -------------

ALL_DAY = {"SLA_DESK_WINDOWS": "00:00-23:59:59", "SLA_WORKING_WEEKDAYS": "0,1,2,3,4,5,6"}


@pytest.fixture
def desk_open_all_day(settings, monkeypatch) -> None:
    """This process and the worker processes started after it see the same clock."""
    for name, value in ALL_DAY.items():
        monkeypatch.setenv(name, value)
    settings.SLA_DESK_WINDOWS = ALL_DAY["SLA_DESK_WINDOWS"].split(",")
    settings.SLA_WORKING_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]
    calendar_changed()


def start_celery(command: list[str], broker_url: str, log_name: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.test_settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "TEST_CELERY_BROKER_URL": broker_url,
        "PYTHONPATH": str(ROOT),
        "ESCALATION_SWEEP_SECONDS": "2",
        "CONSENT_UPKEEP_SECONDS": "2",
    }
    log_path = ROOT / "var" / log_name
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpdesk", *command],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log_path  # type: ignore[attr-defined]
    return process


def start_worker(broker_url: str, log_name: str) -> subprocess.Popen:
    worker = start_celery(
        [
            *("worker", "--pool", "solo", "--loglevel", "INFO"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        broker_url,
        log_name,
    )
    deadline = time.monotonic() + 60
    while "ready." not in Path(worker.log_path).read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the worker did not start:\n{Path(worker.log_path).read_text()}")
        time.sleep(0.2)
    return worker


@pytest.fixture
def broker(transactional_db, test_redis_url: str) -> Iterator[str]:
    """This test's own Redis database, and this process's Celery app pointed at it."""
    redis.Redis.from_url(test_redis_url).flushdb()
    with celery_broker(test_redis_url):
        yield test_redis_url


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; each is stopped (by its own pid) at the end."""
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        stop_process(process)


def start_beat(broker_url: str, tmp_path: Path, name: str) -> subprocess.Popen:
    return start_celery(
        ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / f"{name}-schedule")],
        broker_url,
        f"test-celery-{name}.log",
    )
