"""Fixtures for escalations and consent: staff in each role and tickets opened at a moment."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open

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
